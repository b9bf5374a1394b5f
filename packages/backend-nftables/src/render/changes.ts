import type { BackendError, DesiredState } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import {
  type NftablesRenderOptions,
  type ResolvedRenderOptions,
  resolveRenderOptions,
} from './options.js';
import { renderServices } from './ruleset.js';
import type { RenderedElement, RenderedService } from './service.js';
import {
  backendMapDeclaration,
  type ElementOp,
  groupElements,
  renderElementOp,
  tableRef,
} from './skeleton.js';

const elementId = (e: RenderedElement): string => `${e.map}\u0000${e.key}`;

/** Maps whose elements reference other objects come first when deleting. */
const deleteRank = (map: string): number =>
  map.startsWith('services') ? 0 : map.startsWith('flows') ? 1 : 2;
const byDeleteOrder = (a: RenderedElement, b: RenderedElement): number =>
  deleteRank(a.map) - deleteRank(b.map);

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

const sameService = (a: RenderedService, b: RenderedService): boolean =>
  a.chain === b.chain &&
  sameList(a.rules, b.rules) &&
  a.elements.length === b.elements.length &&
  a.elements.every((e, i) => {
    const o = b.elements[i]!;
    return e.map === o.map && e.key === o.key && e.value === o.value;
  });

/** Elements of `prev` that go or change value (deleted first: a map key holds one value). */
function staleElements(prev: RenderedService, next: RenderedService): RenderedElement[] {
  const nextEl = new Map(next.elements.map((e) => [elementId(e), e]));
  return prev.elements.filter((e) => {
    const now = nextEl.get(elementId(e));
    return now === undefined || now.value !== e.value;
  });
}

/** Elements of `next` that are new or change value. */
function freshElements(prev: RenderedService, next: RenderedService): RenderedElement[] {
  const prevEl = new Map(prev.elements.map((e) => [elementId(e), e]));
  return next.elements.filter((e) => {
    const old = prevEl.get(elementId(e));
    return old === undefined || old.value !== e.value;
  });
}

/** An incremental change: its nft script and, when it is elements only, the same change as data. */
export interface ChangePlan {
  /** The nft script (`''` when nothing changed). */
  readonly script: string;
  /**
   * The element commands of `script`, in order, when the script consists ONLY
   * of `delete element` / `add element` commands (a flip); `undefined` when it
   * also touches chains, rules or maps. `[]` when nothing changed.
   */
  readonly elementOps: readonly ElementOp[] | undefined;
}

/**
 * An incremental script from `previous` (what the kernel has, as rendered
 * earlier with the same options) to `next`. It touches ONLY services that
 * differ, and for them only what differs: a destination going or coming back
 * is `delete element` + `add element` in the backend and flow maps (the
 * service's rule stays: its selector modulus depends on a class of destination
 * counts, see `slots.ts`); rules are rewritten (`flush chain` + both rules)
 * only when the modulus, the scheduler or the empty verdict change. Order:
 * removed services, stale elements, backend maps the new rules use (`add map`
 * is idempotent; maps are never deleted here: other services may share them),
 * new chains and rewritten rules, then new elements (one `add element` per map).
 * Run as one transaction. Empty string when nothing changed. Same failure
 * modes as `renderRuleset`.
 */
export function renderChanges(
  previous: DesiredState,
  next: DesiredState,
  options: NftablesRenderOptions = {},
): Result<string, BackendError> {
  return renderChangePlan(previous, next, options).map((plan) => plan.script);
}

/**
 * `renderChanges` plus the element operations as data (`elementOps`) when the
 * change is elements only: the script's element lines are rendered from those
 * very ops. Same failure modes as `renderRuleset`.
 */
export function renderChangePlan(
  previous: DesiredState,
  next: DesiredState,
  options: NftablesRenderOptions = {},
): Result<ChangePlan, BackendError> {
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  const opts = resolved.value;
  const before = renderServices(previous, opts);
  if (before.isErr()) return err(before.error);
  const after = renderServices(next, opts);
  if (after.isErr()) return err(after.error);
  return ok(changePlan(before.value, after.value, opts));
}

function changePlan(
  before: ReadonlyMap<string, RenderedService>,
  after: ReadonlyMap<string, RenderedService>,
  opts: ResolvedRenderOptions,
): ChangePlan {
  const t = tableRef(opts);
  const stale: RenderedElement[] = [];
  const fresh: RenderedElement[] = [];
  const chainsGone: string[] = [];
  const chainsNew: string[] = [];
  const maps = new Map<string, string>();
  const needMap = (svc: RenderedService): void => {
    if (!maps.has(svc.backendMap)) maps.set(svc.backendMap, backendMapDeclaration(svc, opts));
  };
  const rules: string[] = [];
  for (const [name, svc] of before) {
    if (!after.has(name)) {
      stale.push(...svc.elements);
      chainsGone.push(`delete chain ${t} ${svc.chain}`);
    }
  }
  for (const [name, svc] of after) {
    const old = before.get(name);
    if (old === undefined) {
      needMap(svc);
      chainsNew.push(`add chain ${t} ${svc.chain}`);
      for (const r of svc.rules) rules.push(`add rule ${t} ${svc.chain} ${r}`);
      fresh.push(...svc.elements);
    } else if (!sameService(old, svc)) {
      stale.push(...staleElements(old, svc));
      if (!sameList(old.rules, svc.rules)) {
        needMap(svc);
        rules.push(`flush chain ${t} ${svc.chain}`);
        for (const r of svc.rules) rules.push(`add rule ${t} ${svc.chain} ${r}`);
      }
      fresh.push(...freshElements(old, svc));
    }
  }
  // Deletions first, so keys can move between services; dispatch elements
  // before the chains they name.
  const deletes = groupElements('delete', stale.sort(byDeleteOrder));
  const adds = groupElements('add', fresh);
  const lines = [
    ...deletes.map((op) => renderElementOp(op, opts)),
    ...chainsGone,
    ...maps.values(),
    ...chainsNew,
    ...rules,
    ...adds.map((op) => renderElementOp(op, opts)),
  ];
  const elementsOnly = chainsGone.length + maps.size + chainsNew.length + rules.length === 0;
  return {
    script: lines.length === 0 ? '' : `${lines.join('\n')}\n`,
    elementOps: elementsOnly ? [...deletes, ...adds] : undefined,
  };
}
