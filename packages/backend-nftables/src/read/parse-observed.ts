import {
  type BackendError,
  backendError,
  type ObservedDestination,
  type ObservedService,
  type ObservedState,
  type Protocol,
  parseAddress,
  type ServiceKey,
  type WhenEmpty,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import {
  type CounterValue,
  counterValue,
  indexTable,
  isObject,
  type NftMap,
  type NftTableIndex,
  soleKey,
  unwrapElem,
} from './nft-json.js';
import { destinationCounters, readDnat } from './parse-dnat.js';
import { isStickyRule, readPick } from './parse-pick.js';

/** Options for `parseObservedState`. */
export interface ParseObservedOptions {
  /** Table name. Default `lbkit`. */
  readonly table?: string;
  /** Table family. Default `inet`. */
  readonly family?: string;
  /**
   * Maps a service chain name back to the service name (render's naming).
   * Default: no names (the key identifies a service).
   */
  readonly serviceName?: (chain: string) => string | undefined;
}

/** A service as read back, with how destinations were chosen (`numgen inc`, `jhash`...). */
interface ChainOutcome {
  readonly whenEmpty?: WhenEmpty;
  readonly destinations: ObservedDestination[];
  readonly scheduler?: string;
  readonly counter?: CounterValue;
  readonly decided: boolean;
}

const MAX_DEPTH = 4;
const DISPATCH_KEY = /^(ipv4_addr|ipv6_addr)$/;

/** A dispatch map: a verdict map typed `ipv4_addr|ipv6_addr . inet_proto . inet_service`. */
const isDispatchMap = (map: NftMap): boolean =>
  map.data === 'verdict' &&
  map.type.length === 3 &&
  DISPATCH_KEY.test(map.type[0]!) &&
  map.type[1] === 'inet_proto' &&
  map.type[2] === 'inet_service';

/** `"@services4"` of a `{"vmap": {"key": ..., "data": "@services4"}}` statement. */
function vmapTarget(stmt: unknown): string | undefined {
  if (!isObject(stmt) || !isObject(stmt.vmap)) return undefined;
  const data = stmt.vmap.data;
  return typeof data === 'string' && data.startsWith('@') ? data.slice(1) : undefined;
}

/**
 * The dispatch maps in the order a packet meets them: the `vmap` rules of the
 * first chain that has any (the nat hook chain). A table without such rules:
 * every dispatch map, in listing order.
 */
function dispatchOrder(index: NftTableIndex): NftMap[] {
  for (const rules of index.chains.values()) {
    const order = rules
      .flatMap((rule) => rule.map(vmapTarget))
      .map((name) => (name === undefined ? undefined : index.maps.get(name)))
      .filter((m): m is NftMap => m !== undefined && isDispatchMap(m));
    if (order.length > 0) return order;
  }
  return [...index.maps.values()].filter(isDispatchMap);
}

/** One service key as the dispatch maps see it: its verdict (and element counter) in each. */
interface KeyEntry {
  readonly key: ServiceKey;
  readonly verdicts: (readonly [verdict: unknown, counter: CounterValue | undefined])[];
}

/**
 * Parses a `list table` JSON document into core's `ObservedState` WITHOUT
 * knowing how it was rendered: a service is a key of the dispatch maps
 * (verdict maps typed `ipv4_addr|ipv6_addr . inet_proto . inet_service`),
 * evaluated as the kernel would: the maps in the order the hook chain looks
 * them up; a `jump`/`goto` is followed (bounded depth) to the first `dnat` that
 * selects a destination (from its numgen/jhash map: anonymous or `@named`,
 * deduplicated over the slots; the weight is the number of slots a
 * destination holds divided by the gcd over the service's destinations), or
 * to `reject` / `drop`; a jumped-to chain that decides nothing returns and the
 * next map decides (a dnat whose map has no slot for the service misses, as in
 * the kernel); a `goto` does not return. The empty verdict (`whenEmpty`) is
 * reported also for services that have destinations, from the maps after the
 * decision. Counters: the service's is its element counter in the first map
 * that has one, else the first rule counter met before the decision;
 * per-destination counters come from a set/counter map keyed `vip . l4proto .
 * vport . daddr . dport` (element counters, or named counters as values). A
 * missing table is an empty state. Unknown statements are skipped.
 */
export function parseObservedState(
  doc: unknown,
  options: ParseObservedOptions = {},
): Result<ObservedState, BackendError> {
  if (!isObject(doc) || !Array.isArray(doc.nftables)) {
    return err(backendError('parse', 'not an nft JSON document (no "nftables" array)'));
  }
  const index = indexTable(doc, options.family ?? 'inet', options.table ?? 'lbkit');
  if (!index.found) return ok({ services: [] });
  const entries = new Map<string, KeyEntry>();
  for (const map of dispatchOrder(index)) {
    for (const pair of map.elem) {
      if (!Array.isArray(pair) || pair.length !== 2) continue;
      const elem = unwrapElem(pair[0]);
      const key = serviceKey(elem.val);
      if (!key) continue;
      const id = keyText(key);
      const entry = entries.get(id) ?? { key, verdicts: [] };
      entry.verdicts.push([pair[1], elem.counter]);
      entries.set(id, entry);
    }
  }
  const services: ObservedService[] = [];
  for (const { key, verdicts } of entries.values()) {
    const seen = evaluateKey(index, key, verdicts, options);
    if (!seen) continue;
    const { outcome, name, counter } = seen;
    const counters = destinationCounters(index, key);
    services.push({
      key,
      ...(name !== undefined ? { name } : {}),
      ...(outcome.scheduler !== undefined ? { scheduler: outcome.scheduler } : {}),
      ...(outcome.whenEmpty !== undefined ? { whenEmpty: outcome.whenEmpty } : {}),
      destinations: outcome.destinations.map((d) => ({
        ...d,
        ...(counters.get(`${d.address}|${d.port}`) ?? {}),
      })),
      ...(counter ?? {}),
    });
  }
  services.sort((a, b) => keyText(a.key).localeCompare(keyText(b.key)));
  return ok({ services });
}

/** What the kernel does with one key: the first decision, the empty verdict, name and counter. */
function evaluateKey(
  index: NftTableIndex,
  key: ServiceKey,
  verdicts: KeyEntry['verdicts'],
  options: ParseObservedOptions,
): { outcome: ChainOutcome; name?: string; counter?: CounterValue } | undefined {
  let decision: ChainOutcome | undefined;
  let whenEmpty: WhenEmpty | undefined;
  let name: string | undefined;
  let counter: CounterValue | undefined;
  let reached = false;
  for (const [verdict, elementCounter] of verdicts) {
    counter ??= elementCounter;
    const chain = jumpTarget(verdict);
    if (chain) name ??= options.serviceName?.(chain);
    const outcome = chain
      ? walkChain(index, chain, key, 0)
      : soleKey(verdict) === 'drop'
        ? { whenEmpty: 'drop' as const, destinations: [], decided: true }
        : undefined;
    if (!outcome) continue;
    reached = true;
    if (!decision && outcome.decided) decision = outcome;
    whenEmpty ??= outcome.whenEmpty;
    counter ??= outcome.counter;
    // A goto does not come back: nothing after it is ever evaluated.
    if (!outcome.decided && soleKey(verdict) === 'goto') break;
  }
  const base = decision ?? { destinations: [], decided: false };
  const outcome = whenEmpty !== undefined ? { ...base, whenEmpty } : base;
  if (!reached) return undefined;
  return {
    outcome,
    ...(name !== undefined ? { name } : {}),
    ...(counter ? { counter } : {}),
  };
}

const keyText = (k: ServiceKey): string => `${k.vip}|${k.protocol}|${k.port}`;

function serviceKey(val: unknown): ServiceKey | undefined {
  if (!isObject(val) || !Array.isArray(val.concat) || val.concat.length !== 3) return undefined;
  const [addr, proto, port] = val.concat;
  const parsed = typeof addr === 'string' ? parseAddress(addr) : undefined;
  const protocol =
    proto === 'tcp' || proto === 6 ? 'tcp' : proto === 'udp' || proto === 17 ? 'udp' : undefined;
  if (!parsed || !protocol || typeof port !== 'number') return undefined;
  return { vip: parsed.canonical, port, protocol: protocol as Protocol };
}

function jumpTarget(verdict: unknown): string | undefined {
  const kind = soleKey(verdict);
  if ((kind !== 'jump' && kind !== 'goto') || !isObject(verdict)) return undefined;
  const body = verdict[kind];
  return isObject(body) && typeof body.target === 'string' ? body.target : undefined;
}

function walkChain(
  index: NftTableIndex,
  chain: string,
  key: ServiceKey,
  depth: number,
): ChainOutcome | undefined {
  const rules = index.chains.get(chain);
  if (!rules || depth > MAX_DEPTH) return undefined;
  let counter: CounterValue | undefined;
  for (const rule of rules) {
    if (isStickyRule(index, rule)) continue;
    for (const stmt of rule) {
      const kind = soleKey(stmt);
      if (!kind || !isObject(stmt)) continue;
      const body = stmt[kind];
      if (kind === 'counter' && !counter) {
        counter = typeof body === 'string' ? index.counters.get(body) : counterValue(body);
      } else if (kind === 'dnat' && isObject(body)) {
        const found = readDnat(index, body, key);
        // A map without this service's slots misses: the rule ends, the next rule decides.
        if (found && (found.destinations.length > 0 || found.scheduler === 'single')) {
          return { ...found, ...(counter ? { counter } : {}), decided: true };
        }
      } else if (kind === 'vmap') {
        const walk = (target: string) => {
          const inner = walkChain(index, target, key, depth + 1);
          return inner?.decided && inner.destinations.length === 1
            ? inner.destinations[0]
            : undefined;
        };
        const found = readPick(index, body, walk);
        if (found && found.destinations.length > 0) {
          return { ...found, ...(counter ? { counter } : {}), decided: true };
        }
      } else if (kind === 'reject' || kind === 'drop') {
        return {
          whenEmpty: kind === 'drop' ? 'drop' : 'reject',
          destinations: [],
          ...(counter ? { counter } : {}),
          decided: true,
        };
      } else if (kind === 'jump' || kind === 'goto') {
        const target = jumpTarget(stmt);
        const inner = target ? walkChain(index, target, key, depth + 1) : undefined;
        if (inner?.decided) return { ...inner, ...(counter && !inner.counter ? { counter } : {}) };
      }
    }
  }
  // Fell through: no verdict for this service (not something lbkit renders).
  return { destinations: [], ...(counter ? { counter } : {}), decided: false };
}
