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
  type NftTableIndex,
  soleKey,
  unwrapElem,
} from './nft-json.js';
import { destinationCounters, readDnat } from './parse-dnat.js';

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

/**
 * Parses a `list table` JSON document into core's `ObservedState` WITHOUT
 * knowing how it was rendered: services are the elements of every verdict map
 * typed `ipv4_addr|ipv6_addr . inet_proto . inet_service`; each element's
 * verdict is followed (`jump`/`goto`, bounded depth) to the first `dnat`
 * that selects a destination (from its numgen/jhash map: anonymous or
 * `@named`, deduplicated over the slots; the weight is the number of slots a
 * destination holds divided by the gcd over the service's destinations), or
 * to `reject` / `drop` (a dnat whose map has no slot for the service misses
 * and falls through, as in the kernel). Counters: the first counter (anonymous
 * or named) met before the decision is the service's; per-destination counters
 * come from a set/counter map keyed `vip . l4proto . vport . daddr . dport`
 * (element counters, or named counters as values).
 * A missing table is an empty state. Unknown statements are skipped.
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
  const services: ObservedService[] = [];
  for (const map of index.maps.values()) {
    if (map.data !== 'verdict' || map.type.length !== 3) continue;
    if (!DISPATCH_KEY.test(map.type[0]!) || map.type[1] !== 'inet_proto') continue;
    if (map.type[2] !== 'inet_service') continue;
    for (const pair of map.elem) {
      if (!Array.isArray(pair) || pair.length !== 2) continue;
      const key = serviceKey(unwrapElem(pair[0]).val);
      if (!key) continue;
      const verdict = pair[1];
      const chain = jumpTarget(verdict);
      const outcome = chain
        ? walkChain(index, chain, key, 0)
        : soleKey(verdict) === 'drop'
          ? { whenEmpty: 'drop' as const, destinations: [], decided: true }
          : undefined;
      if (!outcome) continue;
      const name = chain ? options.serviceName?.(chain) : undefined;
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
        ...(outcome.counter ?? {}),
      });
    }
  }
  services.sort((a, b) => keyText(a.key).localeCompare(keyText(b.key)));
  return ok({ services });
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
