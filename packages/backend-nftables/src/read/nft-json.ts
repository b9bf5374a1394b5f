/**
 * A small, defensive view of nft's JSON output (`nft -j list table ...`,
 * libnftables with `NFT_CTX_OUTPUT_JSON`; schema version 1). Only what the
 * reader needs is typed; everything is checked at run time because the text
 * comes from outside.
 * @module
 */

/** A JSON object. */
export type JsonObject = { readonly [key: string]: unknown };

/** Narrows to a plain JSON object. */
export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The single key of a one-key object (`{"jump": {...}}` -> `jump`), if it has exactly one. */
export function soleKey(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 ? keys[0] : undefined;
}

/** A packets/bytes pair. */
export interface CounterValue {
  readonly packets: number;
  readonly bytes: number;
}

/** Reads `{"packets": n, "bytes": n}`; `undefined` when it is not one. */
export function counterValue(value: unknown): CounterValue | undefined {
  if (!isObject(value)) return undefined;
  const { packets, bytes } = value;
  return typeof packets === 'number' && typeof bytes === 'number' ? { packets, bytes } : undefined;
}

/** One named map or set of a table. */
export interface NftMap {
  readonly name: string;
  /** `type` as printed: one type name or a concatenation. */
  readonly type: readonly string[];
  /** `map` = the data type (`verdict`, `ipv4_addr`...); absent for sets. */
  readonly data?: string;
  /** Elements as printed: `[key, value]` pairs for maps. */
  readonly elem: readonly unknown[];
  /** `flags dynamic` or `timeout`: the kernel adds (or expires) elements itself (an affinity set). */
  readonly dynamic?: boolean;
}

/** One rule: its statements/expressions in order. */
export type NftRule = readonly unknown[];

/** The parts of one table the reader walks. */
export interface NftTableIndex {
  readonly found: boolean;
  readonly chains: ReadonlyMap<string, readonly NftRule[]>;
  readonly maps: ReadonlyMap<string, NftMap>;
  readonly counters: ReadonlyMap<string, CounterValue>;
}

const strings = (value: unknown): string[] =>
  typeof value === 'string'
    ? [value]
    : Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : [];

/**
 * Indexes the objects of `family table` in an nft JSON document. Objects of
 * other tables are ignored; malformed objects are skipped (the caller decides
 * whether what remains is enough). `found` says whether the table itself was listed.
 */
export function indexTable(doc: unknown, family: string, table: string): NftTableIndex {
  const chains = new Map<string, NftRule[]>();
  const maps = new Map<string, NftMap>();
  const counters = new Map<string, CounterValue>();
  let found = false;
  const list = isObject(doc) && Array.isArray(doc.nftables) ? doc.nftables : [];
  const mine = (o: JsonObject): boolean => o.family === family && o.table === table;
  for (const item of list) {
    const kind = soleKey(item);
    if (!kind || !isObject(item)) continue;
    const body = item[kind];
    if (!isObject(body)) continue;
    if (kind === 'table') {
      if (body.family === family && body.name === table) found = true;
    } else if (kind === 'chain' && mine(body) && typeof body.name === 'string') {
      if (!chains.has(body.name)) chains.set(body.name, []);
    } else if (kind === 'rule' && mine(body) && typeof body.chain === 'string') {
      const rules = chains.get(body.chain) ?? [];
      rules.push(Array.isArray(body.expr) ? body.expr : []);
      chains.set(body.chain, rules);
    } else if ((kind === 'map' || kind === 'set') && mine(body) && typeof body.name === 'string') {
      maps.set(body.name, {
        name: body.name,
        type: strings(body.type),
        ...(typeof body.map === 'string' ? { data: body.map } : {}),
        elem: Array.isArray(body.elem) ? body.elem : [],
        // nft 1.0.6's JSON lists `flags dynamic,timeout` as ["timeout"] only.
        ...(strings(body.flags).some((f) => f === 'dynamic' || f === 'timeout')
          ? { dynamic: true }
          : {}),
      });
    } else if (kind === 'counter' && mine(body) && typeof body.name === 'string') {
      const value = counterValue(body);
      if (value) counters.set(body.name, value);
    }
  }
  return { found, chains, maps, counters };
}

/**
 * Unwraps a set/map element key: `{"elem": {"val": k, "counter": {...}}}` -> k
 * plus its counter; plain keys are returned as they are.
 */
export function unwrapElem(key: unknown): {
  readonly val: unknown;
  readonly counter?: CounterValue;
} {
  if (isObject(key) && isObject(key.elem)) {
    const counter = counterValue(key.elem.counter);
    return counter ? { val: key.elem.val, counter } : { val: key.elem.val };
  }
  return { val: key };
}

/** Number of integer slots a numgen/jhash map key covers: `3` -> 1, `{"range": [3, 7]}` -> 5. */
export function slotCount(key: unknown): number {
  if (typeof key === 'number') return 1;
  if (isObject(key) && Array.isArray(key.range)) {
    const [lo, hi] = key.range;
    if (typeof lo === 'number' && typeof hi === 'number' && hi >= lo) return hi - lo + 1;
  }
  return 0;
}
