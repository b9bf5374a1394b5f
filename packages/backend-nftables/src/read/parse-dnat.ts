import { type ObservedDestination, parseAddress, type ServiceKey } from '@lbkit/core';
import {
  type CounterValue,
  isObject,
  type JsonObject,
  type NftTableIndex,
  soleKey,
  unwrapElem,
} from './nft-json.js';

/** Destinations of one `dnat` statement and how it chooses among them. */
export interface DnatReading {
  readonly destinations: ObservedDestination[];
  /** `numgen inc`, `numgen random`, `jhash`, `single`. */
  readonly scheduler: string;
}

/** Reads `"addr"` or `{"concat": [addr, port]}` as a destination. */
export function readDestination(
  val: unknown,
  fallbackPort: number,
): { address: string; port: number } | undefined {
  let addr: unknown = val;
  let port: unknown = fallbackPort;
  if (isObject(val) && Array.isArray(val.concat) && val.concat.length === 2) {
    [addr, port] = val.concat;
  }
  const parsed = typeof addr === 'string' ? parseAddress(addr) : undefined;
  if (!parsed || typeof port !== 'number') return undefined;
  return { address: parsed.canonical, port };
}

/** What a key expression of the service prefix stands for: `vip`, `protocol`, `port`, or unknown. */
function prefixPart(expr: unknown): 'vip' | 'protocol' | 'port' | undefined {
  if (!isObject(expr)) return undefined;
  if (isObject(expr.payload)) {
    if (expr.payload.field === 'daddr') return 'vip';
    if (expr.payload.field === 'dport') return 'port';
  }
  if (isObject(expr.meta) && expr.meta.key === 'l4proto') return 'protocol';
  return undefined;
}

function matchesPart(
  part: 'vip' | 'protocol' | 'port' | undefined,
  value: unknown,
  key: ServiceKey,
): boolean {
  if (part === 'vip')
    return typeof value === 'string' && parseAddress(value)?.canonical === key.vip;
  if (part === 'protocol') return value === key.protocol;
  if (part === 'port') return value === key.port;
  return true;
}

/** Slots `[lo, hi]` of a selector value: `3` or `{"range": [3, 7]}`. */
function slotRange(value: unknown): [number, number] | undefined {
  if (typeof value === 'number') return [value, value];
  if (isObject(value) && Array.isArray(value.range)) {
    const [lo, hi] = value.range;
    if (typeof lo === 'number' && typeof hi === 'number' && hi >= lo) return [lo, hi];
  }
  return undefined;
}

function schedulerOf(selector: unknown): { name: string; mod: number } {
  const kind = soleKey(selector) ?? 'unknown';
  const body = isObject(selector) ? selector[kind] : undefined;
  const mod = isObject(body) && typeof body.mod === 'number' ? body.mod : Number.POSITIVE_INFINITY;
  const name = kind === 'numgen' && isObject(body) ? `numgen ${String(body.mode)}` : kind;
  return { name, mod };
}

/**
 * Reads the destinations of a `dnat` statement body: a fixed `addr`/`port`, or a
 * map lookup keyed by `[service prefix .] selector` (numgen/jhash) with an
 * anonymous set or a `@named` map. Named-map elements are filtered by the
 * service prefix (lbkit keeps every service's slots in shared maps). A
 * destination's weight is the number of reachable slots (`0 <= slot < mod`) it
 * holds, divided by the gcd over the service's destinations (lbkit gives equal
 * destinations K/n slots each, and weighted ones weight/gcd slots).
 */
export function readDnat(
  index: NftTableIndex,
  body: JsonObject,
  key: ServiceKey,
): DnatReading | undefined {
  const fixedPort = typeof body.port === 'number' ? body.port : key.port;
  const single = readDestination(body.addr, fixedPort);
  if (single) return { destinations: [{ ...single, weight: 1 }], scheduler: 'single' };
  const map = isObject(body.addr) && isObject(body.addr.map) ? body.addr.map : undefined;
  if (!map) return undefined;
  const keyParts = isObject(map.key) && Array.isArray(map.key.concat) ? map.key.concat : [map.key];
  const prefix = keyParts.slice(0, -1).map(prefixPart);
  const { name: scheduler, mod } = schedulerOf(keyParts[keyParts.length - 1]);
  let elems: readonly unknown[] = [];
  if (isObject(map.data) && Array.isArray(map.data.set)) elems = map.data.set;
  else if (typeof map.data === 'string' && map.data.startsWith('@')) {
    elems = index.maps.get(map.data.slice(1))?.elem ?? [];
  }
  const byDest = new Map<string, { address: string; port: number; weight: number }>();
  for (const pair of elems) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const { val } = unwrapElem(pair[0]);
    const parts: unknown[] =
      prefix.length === 0 ? [val] : isObject(val) && Array.isArray(val.concat) ? val.concat : [];
    if (parts.length !== prefix.length + 1) continue;
    if (!prefix.every((p, i) => matchesPart(p, parts[i], key))) continue;
    const range = slotRange(parts[parts.length - 1]);
    const dest = readDestination(pair[1], fixedPort);
    if (!range || !dest) continue;
    const reachable = Math.max(0, Math.min(range[1], mod - 1) - range[0] + 1);
    if (reachable === 0) continue;
    const id = `${dest.address}|${dest.port}`;
    const entry = byDest.get(id) ?? { ...dest, weight: 0 };
    entry.weight += reachable;
    byDest.set(id, entry);
  }
  const destinations = [...byDest.values()];
  const g = destinations.reduce((acc, d) => gcd(acc, d.weight), 0) || 1;
  for (const d of destinations) d.weight /= g;
  return { destinations, scheduler };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Per-destination counters of one service, `address|port` -> counter, from
 * sets keyed `vip . l4proto . vport . daddr . dport` whose elements carry
 * counters (lbkit's `flows4/6`, declared with `counter`), or from counter maps
 * with that key whose values name counter objects (older lbkit tables).
 */
export function destinationCounters(
  index: NftTableIndex,
  key: ServiceKey,
): Map<string, CounterValue> {
  const out = new Map<string, CounterValue>();
  for (const map of index.maps.values()) {
    if (map.type.length !== 5 || (map.data !== undefined && map.data !== 'counter')) continue;
    for (const item of map.elem) {
      const pair = Array.isArray(item) ? item : [item];
      const { val, counter: own } = unwrapElem(pair[0]);
      if (!isObject(val) || !Array.isArray(val.concat) || val.concat.length !== 5) continue;
      const [vip, proto, vport, daddr, dport] = val.concat;
      if (!matchesPart('vip', vip, key) || proto !== key.protocol || vport !== key.port) continue;
      const dest = readDestination({ concat: [daddr, dport] }, key.port);
      const counter =
        map.data === 'counter'
          ? typeof pair[1] === 'string'
            ? index.counters.get(pair[1])
            : undefined
          : own;
      if (dest && counter) out.set(`${dest.address}|${dest.port}`, counter);
    }
  }
  return out;
}
