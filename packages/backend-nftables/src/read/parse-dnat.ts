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
  /** True when `elems` holds only this service's elements (its prefix already matched). */
  let matched = false;
  if (isObject(map.data) && Array.isArray(map.data.set)) elems = map.data.set;
  else if (typeof map.data === 'string' && map.data.startsWith('@')) {
    const named = index.maps.get(map.data.slice(1));
    const group = named && groupedElements(index, named.name, named.elem, prefix, key);
    matched = group !== undefined;
    elems = group ?? named?.elem ?? [];
  }
  const byDest = new Map<string, { address: string; port: number; weight: number }>();
  for (const pair of elems) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const { val } = unwrapElem(pair[0]);
    const parts: unknown[] =
      prefix.length === 0 ? [val] : isObject(val) && Array.isArray(val.concat) ? val.concat : [];
    if (parts.length !== prefix.length + 1) continue;
    if (!matched && !prefix.every((p, i) => matchesPart(p, parts[i], key))) continue;
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

type PrefixPart = ReturnType<typeof prefixPart>;

/** The text a service key gives a prefix (`vip|protocol|port` in the prefix's order). */
const prefixText = (prefix: readonly PrefixPart[], values: readonly unknown[]): string =>
  prefix.map((part, i) => String(part === 'vip' ? canonicalVip(values[i]) : values[i])).join('|');

const canonicalVip = (value: unknown): string | undefined =>
  typeof value === 'string' ? parseAddress(value)?.canonical : undefined;

/** Per index and shared map: its elements grouped by service prefix, built once per read. */
const groupCache = new WeakMap<NftTableIndex, Map<string, Map<string, unknown[]>>>();

/**
 * The elements of shared map `name` that belong to the service `key` (its
 * prefix values match). The map is grouped once per read: filtering it for
 * every service made reading a table of n services O(n²) (a 10,000-service
 * read took minutes). `undefined` for a prefix with an unknown part (the
 * caller scans and matches every element).
 */
function groupedElements(
  index: NftTableIndex,
  name: string,
  elems: readonly unknown[],
  prefix: readonly PrefixPart[],
  key: ServiceKey,
): readonly unknown[] | undefined {
  if (prefix.length === 0 || prefix.some((p) => p === undefined)) return undefined;
  let maps = groupCache.get(index);
  if (maps === undefined) {
    maps = new Map();
    groupCache.set(index, maps);
  }
  const cacheKey = `${name}\u0000${prefix.join('.')}`;
  let groups = maps.get(cacheKey);
  if (groups === undefined) {
    groups = new Map();
    for (const pair of elems) {
      if (!Array.isArray(pair) || pair.length !== 2) continue;
      const { val } = unwrapElem(pair[0]);
      const parts = isObject(val) && Array.isArray(val.concat) ? val.concat : [];
      if (parts.length !== prefix.length + 1) continue;
      const text = prefixText(prefix, parts);
      const group = groups.get(text);
      if (group === undefined) groups.set(text, [pair]);
      else group.push(pair);
    }
    maps.set(cacheKey, groups);
  }
  const wanted = prefix.map((part) =>
    part === 'vip' ? key.vip : part === 'protocol' ? key.protocol : key.port,
  );
  return groups.get(prefixText(prefix, wanted)) ?? [];
}

/** Per index: destination counters by service key, built once per read. */
const counterCache = new WeakMap<NftTableIndex, Map<string, Map<string, CounterValue>>>();

const keyText = (vip: string | undefined, protocol: unknown, port: unknown): string =>
  `${vip}|${String(protocol)}|${String(port)}`;

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
  let all = counterCache.get(index);
  if (all === undefined) {
    all = countersByService(index);
    counterCache.set(index, all);
  }
  return new Map(all.get(keyText(key.vip, key.protocol, key.port)));
}

/** Every counter set/map read once, grouped by service (a scan per service made a read O(n²)). */
function countersByService(index: NftTableIndex): Map<string, Map<string, CounterValue>> {
  const out = new Map<string, Map<string, CounterValue>>();
  for (const map of index.maps.values()) {
    if (map.type.length !== 5 || (map.data !== undefined && map.data !== 'counter')) continue;
    for (const item of map.elem) {
      const pair = Array.isArray(item) ? item : [item];
      const { val, counter: own } = unwrapElem(pair[0]);
      if (!isObject(val) || !Array.isArray(val.concat) || val.concat.length !== 5) continue;
      const [vip, proto, vport, daddr, dport] = val.concat;
      const canonical = canonicalVip(vip);
      if (canonical === undefined || typeof vport !== 'number') continue;
      const dest = readDestination({ concat: [daddr, dport] }, vport);
      const counter =
        map.data === 'counter'
          ? typeof pair[1] === 'string'
            ? index.counters.get(pair[1])
            : undefined
          : own;
      if (!dest || !counter) continue;
      const id = keyText(canonical, proto, vport);
      let service = out.get(id);
      if (service === undefined) {
        service = new Map();
        out.set(id, service);
      }
      service.set(`${dest.address}|${dest.port}`, counter);
    }
  }
  return out;
}
