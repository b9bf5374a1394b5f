import type { BackendError, DesiredState } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { groupElements, type NftCommand, type RenderedElement, type RuleSpec } from './commands.js';
import { type NftablesRenderOptions, resolveRenderOptions } from './options.js';
import { elementValueText, partsText, printCommands, ruleText } from './print.js';
import { renderServices } from './ruleset.js';
import type { RenderedService } from './service.js';

const elementId = (e: RenderedElement): string => `${e.map}\u0000${partsText(e.key)}`;

/** Maps whose elements reference other objects come first when deleting. */
const deleteRank = (map: string): number =>
  map.startsWith('services') || map.startsWith('empty') ? 0 : map.startsWith('flows') ? 1 : 2;
const byDeleteOrder = (a: RenderedElement, b: RenderedElement): number =>
  deleteRank(a.map) - deleteRank(b.map);

const sameRules = (a: readonly RuleSpec[], b: readonly RuleSpec[]): boolean =>
  a.length === b.length && a.every((x, i) => ruleText(x) === ruleText(b[i]!));

const sameElement = (a: RenderedElement, b: RenderedElement): boolean =>
  elementId(a) === elementId(b) && elementValueText(a) === elementValueText(b);

const sameService = (a: RenderedService, b: RenderedService): boolean =>
  a.chain === b.chain &&
  sameRules(a.rules, b.rules) &&
  a.elements.length === b.elements.length &&
  a.elements.every((e, i) => sameElement(e, b.elements[i]!));

/** Elements of `prev` that go or change value (deleted first: a map key holds one value). */
function staleElements(prev: RenderedService, next: RenderedService): RenderedElement[] {
  const nextEl = new Map(next.elements.map((e) => [elementId(e), e]));
  return prev.elements.filter((e) => {
    const now = nextEl.get(elementId(e));
    return now === undefined || elementValueText(now) !== elementValueText(e);
  });
}

/** Elements of `next` that are new or change value. */
function freshElements(prev: RenderedService, next: RenderedService): RenderedElement[] {
  const prevEl = new Map(prev.elements.map((e) => [elementId(e), e]));
  return next.elements.filter((e) => {
    const old = prevEl.get(elementId(e));
    return old === undefined || elementValueText(old) !== elementValueText(e);
  });
}

/**
 * An incremental script from `previous` (what the kernel has, as rendered
 * earlier with the same options) to `next`. It touches ONLY services that
 * differ, and for them only what differs: a destination going or coming back
 * is `delete element` + `add element` in the backend and flow maps (the
 * service's rule stays: its selector modulus depends on a class of destination
 * counts, see `slots.ts`); rules are rewritten (`flush chain` + both rules)
 * only when the modulus, the scheduler or the empty verdict change. Order:
 * removed services, stale elements, slot maps the new rules use (`add map`
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
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  return changeCommands(previous, next, options).map((commands) =>
    printCommands(commands, resolved.value.table),
  );
}

/**
 * `renderChanges` as commands: what the backend sends (the netlink encoder
 * and the nft printer both take them). Same failure modes as `renderRuleset`.
 */
export function changeCommands(
  previous: DesiredState,
  next: DesiredState,
  options: NftablesRenderOptions = {},
): Result<NftCommand[], BackendError> {
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  const opts = resolved.value;
  const before = renderServices(previous, opts);
  if (before.isErr()) return err(before.error);
  const after = renderServices(next, opts);
  if (after.isErr()) return err(after.error);
  return ok(commandsBetween(before.value, after.value));
}

function commandsBetween(
  before: ReadonlyMap<string, RenderedService>,
  after: ReadonlyMap<string, RenderedService>,
): NftCommand[] {
  const stale: RenderedElement[] = [];
  const fresh: RenderedElement[] = [];
  const chainsGone: NftCommand[] = [];
  const chainsNew: NftCommand[] = [];
  const maps = new Map<string, NftCommand>();
  const needMap = (svc: RenderedService): void => {
    if (!maps.has(svc.slotMap.name)) {
      maps.set(svc.slotMap.name, { verb: 'add', object: 'set', set: svc.slotMap });
    }
  };
  const rules: NftCommand[] = [];
  const addRules = (svc: RenderedService): void => {
    for (const rule of svc.rules)
      rules.push({ verb: 'add', object: 'rule', chain: svc.chain, rule });
  };
  for (const [name, svc] of before) {
    if (!after.has(name)) {
      for (const e of svc.elements) stale.push(e);
      chainsGone.push({ verb: 'delete', object: 'chain', name: svc.chain });
    }
  }
  for (const [name, svc] of after) {
    const old = before.get(name);
    if (old === undefined) {
      needMap(svc);
      chainsNew.push({ verb: 'add', object: 'chain', chain: { name: svc.chain } });
      addRules(svc);
      for (const e of svc.elements) fresh.push(e);
    } else if (!sameService(old, svc)) {
      for (const e of staleElements(old, svc)) stale.push(e);
      if (!sameRules(old.rules, svc.rules)) {
        needMap(svc);
        rules.push({ verb: 'flush', object: 'chain', name: svc.chain });
        addRules(svc);
      }
      for (const e of freshElements(old, svc)) fresh.push(e);
    }
  }
  // Deletions first, so keys can move between services; dispatch elements
  // before the chains they name.
  const commands: NftCommand[] = [
    ...groupElements('delete', stale.sort(byDeleteOrder)),
    ...chainsGone,
    ...maps.values(),
    ...chainsNew,
    ...rules,
    ...groupElements('add', fresh),
  ];
  return commands;
}
