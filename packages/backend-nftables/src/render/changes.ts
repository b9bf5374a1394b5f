import type { BackendError, DesiredState } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import {
  groupElements,
  type NftCommand,
  type RenderedElement,
  type RuleSpec,
  type SetDecl,
} from './commands.js';
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

/** Comparable text of a service's own affinity objects (`''` without persistence). */
const affinityText = (svc: RenderedService): string =>
  svc.affinity === undefined
    ? ''
    : JSON.stringify([
        svc.affinity.sets,
        svc.affinity.chains.map((c) => [c.name, c.rules.map(ruleText)]),
      ]);

const sameService = (a: RenderedService, b: RenderedService): boolean =>
  a.chain === b.chain &&
  sameRules(a.rules, b.rules) &&
  a.elements.length === b.elements.length &&
  a.elements.every((e, i) => sameElement(e, b.elements[i]!)) &&
  affinityText(a) === affinityText(b);

const deleteSet = (set: SetDecl): NftCommand => ({
  verb: 'delete',
  object: 'set',
  name: set.name,
  map: set.kind !== 'affinity' && set.kind !== 'flows',
});

/** The commands of one transaction, grouped in the order they must run. */
class ChangeBuilder {
  readonly stale: RenderedElement[] = [];
  readonly fresh: RenderedElement[] = [];
  readonly chainsGone: NftCommand[] = [];
  readonly flushes: NftCommand[] = [];
  /** Affinity chains, then affinity sets and pick maps, that go (after the flushes). */
  readonly ownChainsGone: NftCommand[] = [];
  readonly ownSetsGone: NftCommand[] = [];
  readonly maps = new Map<string, NftCommand>();
  readonly chainsNew: NftCommand[] = [];
  readonly rules: NftCommand[] = [];

  needMap(svc: RenderedService): void {
    if (svc.slotMap && !this.maps.has(svc.slotMap.name)) {
      this.maps.set(svc.slotMap.name, { verb: 'add', object: 'set', set: svc.slotMap });
    }
  }

  addRules(chain: string, rules: readonly RuleSpec[]): void {
    for (const rule of rules) this.rules.push({ verb: 'add', object: 'rule', chain, rule });
  }

  /**
   * Moves the service's own affinity objects from `old` to `svc` (either may
   * be absent): a set whose declaration changes (the timeout) is deleted and
   * added again (its clients lose their affinity), its chain flushed and
   * refilled around it; a chain whose rules change is flushed and refilled; the
   * sets of destinations that stay are not touched (their clients keep their
   * affinity).
   */
  affinity(old: RenderedService | undefined, svc: RenderedService | undefined): void {
    const before = new Map((old?.affinity?.sets ?? []).map((x) => [x.name, x]));
    const after = new Map((svc?.affinity?.sets ?? []).map((x) => [x.name, x]));
    const renewed = new Set<string>();
    for (const [name, set] of before) {
      const next = after.get(name);
      if (next === undefined || JSON.stringify(next) !== JSON.stringify(set)) {
        this.ownSetsGone.push(deleteSet(set));
        if (next !== undefined) renewed.add(name);
      }
    }
    for (const [name, set] of after) {
      if (!before.has(name) || renewed.has(name)) {
        this.maps.set(name, { verb: 'add', object: 'set', set });
      }
    }
    const oldChains = new Map((old?.affinity?.chains ?? []).map((c) => [c.name, c]));
    const newChains = new Set((svc?.affinity?.chains ?? []).map((c) => c.name));
    for (const name of oldChains.keys()) {
      if (!newChains.has(name)) this.ownChainsGone.push({ verb: 'delete', object: 'chain', name });
    }
    for (const chain of svc?.affinity?.chains ?? []) {
      const was = oldChains.get(chain.name);
      if (was === undefined) {
        this.chainsNew.push({ verb: 'add', object: 'chain', chain: { name: chain.name } });
        this.addRules(chain.name, chain.rules);
      } else if (renewed.has(chain.name) || !sameRules(was.rules, chain.rules)) {
        // A renewed set: its chain stays (pick elements name it), its rules go before the set.
        this.flushes.push({ verb: 'flush', object: 'chain', name: chain.name });
        this.addRules(chain.name, chain.rules);
      }
    }
  }

  /**
   * Deletions first, so keys can move between services; dispatch and pick
   * elements before the chains they name; rules (which reference affinity
   * sets and chains) flushed before those go.
   */
  commands(): NftCommand[] {
    return [
      ...groupElements('delete', this.stale.sort(byDeleteOrder)),
      ...this.chainsGone,
      ...this.flushes,
      ...this.ownChainsGone,
      ...this.ownSetsGone,
      ...this.maps.values(),
      ...this.chainsNew,
      ...this.rules,
      ...groupElements('add', this.fresh),
    ];
  }
}

function commandsBetween(
  before: ReadonlyMap<string, RenderedService>,
  after: ReadonlyMap<string, RenderedService>,
): NftCommand[] {
  const b = new ChangeBuilder();
  for (const [name, svc] of before) {
    if (!after.has(name)) {
      for (const e of svc.elements) b.stale.push(e);
      b.chainsGone.push({ verb: 'delete', object: 'chain', name: svc.chain });
      b.affinity(svc, undefined);
    }
  }
  for (const [name, svc] of after) {
    const old = before.get(name);
    if (old === undefined) {
      b.needMap(svc);
      b.affinity(undefined, svc);
      b.chainsNew.push({ verb: 'add', object: 'chain', chain: { name: svc.chain } });
      b.addRules(svc.chain, svc.rules);
      for (const e of svc.elements) b.fresh.push(e);
    } else if (!sameService(old, svc)) {
      for (const e of staleElements(old, svc)) b.stale.push(e);
      b.affinity(old, svc);
      if (!sameRules(old.rules, svc.rules) || affinityText(old) !== affinityText(svc)) {
        b.needMap(svc);
        b.flushes.push({ verb: 'flush', object: 'chain', name: svc.chain });
        b.addRules(svc.chain, svc.rules);
      }
      for (const e of freshElements(old, svc)) b.fresh.push(e);
    }
  }
  return b.commands();
}
