import type { BackendError, DesiredState } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import {
  type NftablesRenderOptions,
  type ResolvedRenderOptions,
  resolveRenderOptions,
} from './options.js';
import { renderServices } from './ruleset.js';
import type { RenderedElement, RenderedService } from './service.js';
import { renderElements, renderServiceAdd, tableRef } from './skeleton.js';

const elementId = (e: RenderedElement): string => `${e.map}\u0000${e.key}`;

/** Maps whose elements reference other objects come first when deleting. */
const deleteRank = (map: string): number =>
  map.startsWith('services') ? 0 : map.startsWith('flows') ? 1 : 2;

const byDeleteOrder = (a: RenderedElement, b: RenderedElement): number =>
  deleteRank(a.map) - deleteRank(b.map);

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const sameService = (a: RenderedService, b: RenderedService): boolean =>
  sameList(a.counters, b.counters) &&
  sameList(a.rules, b.rules) &&
  sameList(a.elements.map(elementId), b.elements.map(elementId)) &&
  a.elements.every((e, i) => e.value === b.elements[i]?.value);

function removeService(
  svc: RenderedService,
  t: string,
  lines: string[],
  opts: ResolvedRenderOptions,
): void {
  lines.push(...renderElements('delete', [...svc.elements].sort(byDeleteOrder), opts));
  lines.push(`delete chain ${t} ${svc.chain}`);
  lines.push(...svc.counters.map((c) => `delete counter ${t} ${c}`));
}

/** Phase 1 of a change: deletes elements that go or change value. */
function staleElements(prev: RenderedService, next: RenderedService): RenderedElement[] {
  const nextEl = new Map(next.elements.map((e) => [elementId(e), e]));
  return prev.elements.filter((e) => {
    const now = nextEl.get(elementId(e));
    return now === undefined || now.value !== e.value;
  });
}

/** Phase 2 of a change: new counters, rewritten rules, new or changed elements. */
function changeService(
  prev: RenderedService,
  next: RenderedService,
  t: string,
  lines: string[],
  opts: ResolvedRenderOptions,
): void {
  const prevCounters = new Set(prev.counters);
  lines.push(
    ...next.counters.filter((c) => !prevCounters.has(c)).map((c) => `add counter ${t} ${c}`),
  );
  if (!sameList(prev.rules, next.rules)) {
    lines.push(`flush chain ${t} ${next.chain}`);
    lines.push(...next.rules.map((r) => `add rule ${t} ${next.chain} ${r}`));
  }
  const prevEl = new Map(prev.elements.map((e) => [elementId(e), e]));
  const fresh = next.elements.filter(
    (e) => prevEl.get(elementId(e))?.value !== e.value || !prevEl.has(elementId(e)),
  );
  lines.push(...renderElements('add', fresh, opts));
}

/**
 * An incremental script from `previous` (what the kernel has, as rendered
 * earlier with the same options) to `next`: it touches ONLY services that
 * differ — add/delete of map elements, `flush chain` + the chain's rules again,
 * add/delete of chains and counters — so one destination flip costs the same
 * whatever the number of services. Run as one transaction. Empty string when
 * nothing changed. Same failure modes as `renderRuleset`.
 */
export function renderChanges(
  previous: DesiredState,
  next: DesiredState,
  options: NftablesRenderOptions = {},
): Result<string, BackendError> {
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  const opts = resolved.value;
  const before = renderServices(previous, opts);
  if (before.isErr()) return err(before.error);
  const after = renderServices(next, opts);
  if (after.isErr()) return err(after.error);
  const t = tableRef(opts);
  const lines: string[] = [];
  // Removals first: a new service may take over a removed one's key.
  for (const [name, svc] of before.value) {
    if (!after.value.has(name)) removeService(svc, t, lines, opts);
  }
  const changed: [RenderedService, RenderedService][] = [];
  for (const [name, svc] of after.value) {
    const old = before.value.get(name);
    if (old !== undefined && !sameService(old, svc)) changed.push([old, svc]);
  }
  // Phase 1 (all services): deletions, so keys can move between services.
  const stale = changed.flatMap(([old, svc]) => staleElements(old, svc));
  lines.push(...renderElements('delete', stale.sort(byDeleteOrder), opts));
  // Phase 2: additions and rewrites.
  for (const [old, svc] of changed) changeService(old, svc, t, lines, opts);
  for (const [name, svc] of after.value) {
    if (!before.value.has(name)) lines.push(...renderServiceAdd(svc, opts));
  }
  // Phase 3: counters nothing references any more.
  for (const [old, svc] of changed) {
    const keep = new Set(svc.counters);
    lines.push(...old.counters.filter((c) => !keep.has(c)).map((c) => `delete counter ${t} ${c}`));
  }
  return ok(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}
