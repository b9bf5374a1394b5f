/**
 * nf_tables messages (the kernel's dump of a table, or a batch we would
 * send) decoded into one plain model of the table: chains with their rules'
 * expressions, sets with their elements. From it, a `TableSnapshot` (every
 * object as comparable text: the whole-table drift check) and core's
 * `ObservedState` (the read path of the netlink transport, for lbkit's own
 * layout). Pure; never throws on hostile bytes (what does not parse is left
 * out, which a comparison then reports).
 * @module
 */
import {
  formatIpv4,
  formatIpv6,
  type ObservedDestination,
  type ObservedService,
  type ObservedState,
  type WhenEmpty,
} from '@lbkit/core';
import type { NetlinkMessage } from '@lbkit/netlink';
import {
  decodeAttributes,
  ITEMS_PER_STEP,
  type NlAttr,
  readBe32,
  readString,
  runAll,
  type Steps,
} from '@lbkit/netlink';
import { CHAIN, MAP, serviceFromChain } from '../names.js';
import type { ChainSnapshot, SetSnapshot, TableSnapshot } from '../read/table-snapshot.js';
import { readPickOf } from './observe-affinity.js';
import { HOST_LITTLE_ENDIAN, IPPROTO, NFNL, NFT, NFT_VALUE, NFTA } from './uapi.js';

/** One expression of a rule: its name and its attributes (type -> attribute). */
export interface DecodedExpr {
  readonly name: string;
  readonly attrs: ReadonlyMap<number, NlAttr>;
  /** Comparable text (`exprText`). */
  readonly text: string;
}

/** One element: key bytes, data bytes or verdict, and its counter (dumps only). */
export interface DecodedElement {
  readonly key: Uint8Array;
  readonly data?: Uint8Array;
  readonly verdict?: { readonly code: number; readonly chain?: string };
  readonly counter?: { readonly packets: number; readonly bytes: number };
}

/** A set or map: its declaring attributes and elements. */
export interface DecodedSet {
  readonly attrs: ReadonlyMap<number, NlAttr>;
  /** Name of the set's per-element expression (`counter`), if any. */
  readonly expr?: string;
  readonly elements: DecodedElement[];
}

/** A chain: its hook attributes (base chains) and its rules in order. */
export interface DecodedChain {
  readonly attrs: ReadonlyMap<number, NlAttr>;
  readonly rules: DecodedExpr[][];
}

/** A table, object by object, as the messages described it. */
export interface DecodedTable {
  readonly chains: Map<string, DecodedChain>;
  readonly sets: Map<string, DecodedSet>;
}

const msgOf = (type: number): number => type & 0xff;
const isNftables = (type: number): boolean => type >> 8 === NFNL.SUBSYS_NFTABLES;

const attrsOf = (bytes: Uint8Array): NlAttr[] => {
  const decoded = decodeAttributes(bytes);
  return decoded.isOk() ? decoded.value : [];
};
const index = (list: readonly NlAttr[]): Map<number, NlAttr> => {
  const by = new Map<number, NlAttr>();
  for (const a of list) by.set(a.type, a);
  return by;
};
const u64 = (a: NlAttr | undefined): number =>
  a && a.value.length >= 8
    ? Number(new DataView(a.value.buffer, a.value.byteOffset, 8).getBigUint64(0, false))
    : 0;

/**
 * Walks the attributes in `b[start, end)` without allocating: `fn(type,
 * valueStart, valueEnd)` for each (the NESTED / byte-order bits dropped).
 * Elements are most of a table (11 per service): their decoding must not
 * make objects per attribute.
 */
function eachAttr(
  v: DataView,
  start: number,
  end: number,
  fn: (type: number, s: number, e: number) => void,
): void {
  let at = start;
  while (at + 4 <= end) {
    const len = v.getUint16(at, true);
    if (len < 4 || at + len > end) return;
    fn(v.getUint16(at + 2, true) & 0x3fff, at + 4, at + len);
    at += (len + 3) & ~3;
  }
}

/** The value range of the first attribute `type` in `b[start, end)`, or `undefined`. */
function findAttr(
  v: DataView,
  start: number,
  end: number,
  type: number,
): [number, number] | undefined {
  let found: [number, number] | undefined;
  eachAttr(v, start, end, (t, s, e) => {
    if (found === undefined && t === type) found = [s, e];
  });
  return found;
}

const cString = (b: Uint8Array, s: number, e: number): string => {
  let end = s;
  while (end < e && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + s, end - s).toString('latin1');
};

/** One element nest `b[s, e)`. */
function decodeElement(
  b: Uint8Array,
  v: DataView,
  s: number,
  e: number,
): DecodedElement | undefined {
  let key: Uint8Array | undefined;
  let data: Uint8Array | undefined;
  let verdict: DecodedElement['verdict'];
  let counter: DecodedElement['counter'];
  eachAttr(v, s, e, (type, as, ae) => {
    if (type === NFT.SET_ELEM_KEY) {
      const value = findAttr(v, as, ae, NFT.DATA_VALUE);
      if (value) key = b.subarray(value[0], value[1]);
    } else if (type === NFT.SET_ELEM_DATA) {
      eachAttr(v, as, ae, (dt, ds, de) => {
        if (dt === NFT.DATA_VALUE) data = b.subarray(ds, de);
        else if (dt === NFT.DATA_VERDICT) {
          const code = findAttr(v, ds, de, NFT.VERDICT_CODE);
          const chain = findAttr(v, ds, de, NFT.VERDICT_CHAIN);
          verdict = {
            code: code && code[1] - code[0] >= 4 ? v.getInt32(code[0], false) : 0,
            ...(chain ? { chain: cString(b, chain[0], chain[1]) } : {}),
          };
        }
      });
    } else if (type === NFTA.SET_ELEM_EXPR || type === NFTA.SET_ELEM_EXPRESSIONS) {
      counter ??= counterIn(b, v, as, ae, type === NFTA.SET_ELEM_EXPRESSIONS);
    }
  });
  if (!key) return undefined;
  return {
    key,
    ...(data ? { data } : {}),
    ...(verdict ? { verdict } : {}),
    ...(counter ? { counter } : {}),
  };
}

/** The counter of an element's expression (`list`: a list of them). */
function counterIn(
  b: Uint8Array,
  v: DataView,
  s: number,
  e: number,
  list: boolean,
): DecodedElement['counter'] {
  let found: DecodedElement['counter'];
  const one = (es: number, ee: number): void => {
    const name = findAttr(v, es, ee, NFTA.EXPR_NAME);
    const data = findAttr(v, es, ee, NFTA.EXPR_DATA);
    if (!name || !data || cString(b, name[0], name[1]) !== 'counter') return;
    const u64 = (type: number): number => {
      const a = findAttr(v, data[0], data[1], type);
      return a && a[1] - a[0] >= 8 ? Number(v.getBigUint64(a[0], false)) : 0;
    };
    found = { packets: u64(NFTA.COUNTER_PACKETS), bytes: u64(NFTA.COUNTER_BYTES) };
  };
  if (list) eachAttr(v, s, e, (_t, es, ee) => found ?? one(es, ee));
  else one(s, e);
  return found;
}

/**
 * Decoded expressions by their bytes: thousands of service rules share a
 * handful of shapes, so most expressions are decoded once. Bounded.
 */
const EXPRESSIONS = new Map<string, DecodedExpr>();
const MAX_CACHED_EXPRESSIONS = 20_000;

function decodeExpr(value: Uint8Array): DecodedExpr {
  const by = index(attrsOf(value));
  const name = by.get(NFTA.EXPR_NAME);
  const data = by.get(NFTA.EXPR_DATA);
  const expr = {
    name: name ? readString(name) : '?',
    attrs: index(data ? attrsOf(data.value) : []),
    text: '',
  };
  return { ...expr, text: exprText(expr) };
}

function decodeRule(expressions: NlAttr): DecodedExpr[] {
  const out: DecodedExpr[] = [];
  for (const e of attrsOf(expressions.value)) {
    const key = hex(e.value);
    let expr = EXPRESSIONS.get(key);
    if (!expr) {
      expr = decodeExpr(e.value);
      if (EXPRESSIONS.size >= MAX_CACHED_EXPRESSIONS) EXPRESSIONS.clear();
      // Counter values differ from rule to rule: not worth keeping.
      if (expr.name !== 'counter') EXPRESSIONS.set(key, expr);
    }
    out.push(expr);
  }
  return out;
}

/**
 * Folds messages into `into` (table `table` only): NEWCHAIN, NEWRULE,
 * NEWSET, NEWSETELEM (dumps answer with these types too), DELTABLE (a batch
 * that replaces the table starts afresh).
 */
export function decodeTableMessages(
  messages: readonly NetlinkMessage[],
  table: string,
  into: DecodedTable = { chains: new Map(), sets: new Map() },
): DecodedTable {
  for (const m of messages) {
    if (!isNftables(m.type)) continue;
    const by = index(attrsOf(m.payload.subarray(NFNL.GENMSG_LEN)));
    const str = (type: number): string | undefined => {
      const a = by.get(type);
      return a ? readString(a) : undefined;
    };
    switch (msgOf(m.type)) {
      case NFT.MSG_DELTABLE:
        if (str(NFTA.TABLE_NAME) === table) {
          into.chains.clear();
          into.sets.clear();
        }
        break;
      case NFT.MSG_NEWCHAIN: {
        const name = str(NFTA.CHAIN_NAME);
        if (str(NFTA.CHAIN_TABLE) !== table || name === undefined) break;
        if (!into.chains.has(name)) into.chains.set(name, { attrs: by, rules: [] });
        break;
      }
      case NFT.MSG_NEWRULE: {
        const chain = into.chains.get(str(NFTA.RULE_CHAIN) ?? '');
        const expressions = by.get(NFTA.RULE_EXPRESSIONS);
        if (str(NFTA.RULE_TABLE) !== table || !chain) break;
        chain.rules.push(expressions ? decodeRule(expressions) : []);
        break;
      }
      case NFT.MSG_NEWSET: {
        const name = str(NFTA.SET_NAME);
        if (str(NFTA.SET_TABLE) !== table || name === undefined || into.sets.has(name)) break;
        const expr = by.get(NFTA.SET_EXPR);
        const exprName = expr ? index(attrsOf(expr.value)).get(NFTA.EXPR_NAME) : undefined;
        into.sets.set(name, {
          attrs: by,
          ...(exprName ? { expr: readString(exprName) } : {}),
          elements: [],
        });
        break;
      }
      case NFT.MSG_NEWSETELEM: {
        const set = into.sets.get(str(NFT.SET_ELEM_LIST_SET) ?? '');
        const list = by.get(NFT.SET_ELEM_LIST_ELEMENTS);
        if (str(NFT.SET_ELEM_LIST_TABLE) !== table || !set || !list) break;
        const b = list.value;
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        eachAttr(v, 0, b.length, (_type, es, ee) => {
          const e = decodeElement(b, v, es, ee);
          if (e) set.elements.push(e);
        });
        break;
      }
    }
  }
  return into;
}

/**
 * Bytes of messages decoded between two yields (an element message holds
 * hundreds of elements, a rule message one rule): about a millisecond.
 */
const DECODE_SLICE_BYTES = 32 * 1024;

/** `decodeTableMessages` as steps: it yields every `DECODE_SLICE_BYTES` of messages. */
export function* decodeTableSteps(
  messages: readonly NetlinkMessage[],
  table: string,
  into: DecodedTable,
): Steps<DecodedTable> {
  let from = 0;
  let bytes = 0;
  for (let at = 0; at < messages.length; at++) {
    bytes += messages[at]!.payload.length;
    if (bytes < DECODE_SLICE_BYTES && at < messages.length - 1) continue;
    decodeTableMessages(messages.slice(from, at + 1), table, into);
    from = at + 1;
    bytes = 0;
    yield;
  }
  return into;
}

// ---- comparable text --------------------------------------------------------

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/** Attributes that only a request carries, or that the kernel adds when it dumps. */
const IGNORED: Readonly<Record<string, readonly number[]>> = {
  // Values, not the rule.
  counter: [NFTA.COUNTER_BYTES, NFTA.COUNTER_PACKETS, 3],
  // The set id names a set declared in the same batch; dumps name sets only.
  lookup: [NFTA.LOOKUP_SET_ID],
  dynset: [NFTA.DYNSET_SET_ID],
};

/**
 * An attribute list as text, sorted by type; `skip` drops attribute types.
 * A nest is its payload's bytes: the kernel dumps some nests without
 * `NLA_F_NESTED` (`CMP_DATA`, `CHAIN_HOOK`), so the flag is not compared.
 */
function attrsText(attrs: ReadonlyMap<number, NlAttr>, skip: readonly number[] = []): string {
  return [...attrs]
    .filter(([type]) => !skip.includes(type))
    .sort((a, b) => a[0] - b[0])
    .map(([type, a]) => `${type}=${hex(a.value)}`)
    .join(' ');
}

const zero = (a: NlAttr | undefined): boolean => a?.value.every((b) => b === 0) ?? false;

/**
 * One expression as text, with the attributes a dump and a request disagree
 * on left out: counter values, set ids, and the defaults the kernel writes
 * back (a zero `lookup` flags / `hash` offset, the `nat` range maxima equal to
 * their minima and the flags it derives from them, a `reject` code nft sends
 * for a TCP reset).
 */
export function exprText(e: Omit<DecodedExpr, 'text'>): string {
  const skip = [...(IGNORED[e.name] ?? [])];
  const a = e.attrs;
  if (e.name === 'lookup' && zero(a.get(5))) skip.push(5); // NFTA_LOOKUP_FLAGS
  if (e.name === 'hash' && zero(a.get(NFTA.HASH_OFFSET))) skip.push(NFTA.HASH_OFFSET);
  if (e.name === 'dynset') {
    // The kernel dumps a zero timeout (the set's own) and zero flags.
    for (const t of [NFTA.DYNSET_TIMEOUT, NFTA.DYNSET_FLAGS]) if (zero(a.get(t))) skip.push(t);
  }
  if (e.name === 'immediate') {
    // A verdict's nest: nft sets NLA_F_NESTED on it, a dump does not.
    const data = a.get(NFTA.IMMEDIATE_DATA)?.value;
    if (data && data.length >= 4 && data[2] === NFT.DATA_VERDICT && data[3] === 0x80) {
      const flat = Uint8Array.from(data);
      flat[3] = 0;
      const attrs = new Map(a);
      attrs.set(NFTA.IMMEDIATE_DATA, { type: NFTA.IMMEDIATE_DATA, value: flat });
      return `${e.name}(${attrsText(attrs, skip)})`;
    }
  }
  if (e.name === 'nat') {
    const same = (x: number, y: number) =>
      hex(a.get(x)?.value ?? new Uint8Array()) === hex(a.get(y)?.value ?? new Uint8Array());
    if (same(4, NFTA.NAT_REG_ADDR_MIN)) skip.push(4); // NFTA_NAT_REG_ADDR_MAX
    if (same(6, NFTA.NAT_REG_PROTO_MIN)) skip.push(6); // NFTA_NAT_REG_PROTO_MAX
    skip.push(7); // NFTA_NAT_FLAGS: derived from the registers given
  }
  if (
    e.name === 'reject' &&
    readBe32(a.get(NFTA.REJECT_TYPE) ?? { type: 0, value: new Uint8Array() }) ===
      NFT_VALUE.REJECT_TCP_RST
  ) {
    skip.push(NFTA.REJECT_ICMP_CODE);
  }
  return `${e.name}(${attrsText(a, skip)})`;
}

/** The attributes that declare a chain (hook, priority, type, policy). */
const CHAIN_DECL = [NFTA.CHAIN_HOOK, NFTA.CHAIN_POLICY, NFTA.CHAIN_TYPE];
/** The attributes that declare a set (flags, key and data types and lengths, nft's user data). */
const SET_DECL = [
  NFTA.SET_FLAGS,
  NFTA.SET_KEY_TYPE,
  NFTA.SET_KEY_LEN,
  NFTA.SET_DATA_TYPE,
  NFTA.SET_DATA_LEN,
  NFTA.SET_USERDATA,
  NFTA.SET_TIMEOUT,
];

/**
 * Set attributes a request and a dump disagree on: nft sends flags 0 (the
 * kernel dumps no flags then) and data length 0 for a verdict map (the kernel
 * reports the size of a verdict).
 */
function setDefaults(s: DecodedSet): number[] {
  const skip: number[] = [];
  if (zero(s.attrs.get(NFTA.SET_FLAGS))) skip.push(NFTA.SET_FLAGS);
  const type = s.attrs.get(NFTA.SET_DATA_TYPE);
  if (type !== undefined && readBe32(type) === NFT_VALUE.DATA_VERDICT) skip.push(NFTA.SET_DATA_LEN);
  return skip;
}

/** `flags dynamic` (`NFT_SET_EVAL`): elements added by the data path (`update @set`). */
export const isDynamicSet = (s: DecodedSet): boolean => {
  const flags = s.attrs.get(NFTA.SET_FLAGS);
  return flags !== undefined && ((readBe32(flags) ?? 0) & NFT_VALUE.SET_EVAL) !== 0;
};

const only = (attrs: ReadonlyMap<number, NlAttr>, types: readonly number[]): Map<number, NlAttr> =>
  new Map([...attrs].filter(([type]) => types.includes(type)));

function elementText(e: DecodedElement): [string, string] {
  const value = e.data
    ? hex(e.data)
    : e.verdict
      ? `verdict ${e.verdict.code}${e.verdict.chain === undefined ? '' : ` ${e.verdict.chain}`}`
      : '';
  return [hex(e.key), value];
}

/** The table as comparable text (`exists`, comment and flags come from the caller). */
export function snapshotOf(
  decoded: DecodedTable,
  head: Pick<TableSnapshot, 'exists' | 'comment' | 'dormant'>,
): TableSnapshot {
  return runAll(snapshotOfSteps(decoded, head));
}

/** `snapshotOf` as steps: it yields every `ITEMS_PER_STEP` chains or elements. */
export function* snapshotOfSteps(
  decoded: DecodedTable,
  head: Pick<TableSnapshot, 'exists' | 'comment' | 'dormant'>,
): Steps<TableSnapshot> {
  const chains = new Map<string, ChainSnapshot>();
  let done = 0;
  for (const [name, c] of decoded.chains) {
    if (++done % ITEMS_PER_STEP === 0) yield;
    chains.set(name, {
      decl: attrsText(only(c.attrs, CHAIN_DECL)),
      rules: c.rules.map((r) => r.map((e) => e.text).join(' ')),
    });
  }
  const sets = new Map<string, SetSnapshot>();
  for (const [name, s] of decoded.sets) {
    const elements = new Map<string, string>();
    // A dynamic set's elements are the kernel's (affinity: clients seen), never lbkit's.
    if (!isDynamicSet(s)) {
      for (const e of s.elements) {
        if (++done % ITEMS_PER_STEP === 0) yield;
        const [key, value] = elementText(e);
        elements.set(key, value);
      }
    }
    sets.set(name, {
      decl: `${attrsText(only(s.attrs, SET_DECL), setDefaults(s))}${s.expr === undefined ? '' : ` expr=${s.expr}`}`,
      elements,
    });
  }
  return { ...head, chains, sets };
}

// ---- lbkit's layout read back ------------------------------------------------

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const be16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const addressAt = (b: Uint8Array, at: number, family: 4 | 6): string =>
  family === 4 ? formatIpv4(b.subarray(at, at + 4)) : formatIpv6(b.subarray(at, at + 16));
const slotAt = (b: Uint8Array, at: number): number =>
  new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, HOST_LITTLE_ENDIAN);
const PROTOCOLS: Readonly<Record<number, 'tcp' | 'udp'>> = {
  [IPPROTO.tcp]: 'tcp',
  [IPPROTO.udp]: 'udp',
};

/** A slot map element: `vip . vport . slot : addr . port`. */
type SlotElement = DecodedElement & { readonly data: Uint8Array };

const isSlotElement = (s: DecodedElement, width: number): s is SlotElement =>
  s.data !== undefined && s.key.length === width + 8 && s.data.length === width + 4;

/**
 * The well-formed elements of a slot map by `vip . vport` (hex), built once
 * per map: a map shard holds the slots of many services, and scanning the
 * whole shard for each of them made a read quadratic in services per shard.
 */
function slotIndex(decoded: DecodedTable) {
  const built = new Map<string, Map<string, SlotElement[]>>();
  return (map: string, width: number): Map<string, SlotElement[]> => {
    let index = built.get(map);
    if (index) return index;
    index = new Map();
    for (const s of decoded.sets.get(map)?.elements ?? []) {
      if (!isSlotElement(s, width)) continue;
      const prefix = hex(s.key.subarray(0, width + 4));
      const list = index.get(prefix);
      if (list) list.push(s);
      else index.set(prefix, [s]);
    }
    built.set(map, index);
    return index;
  };
}

/** The selector and slot map of a service chain's dnat rule. */
function dnatOf(chain: DecodedChain | undefined) {
  for (const rule of chain?.rules ?? []) {
    if (!rule.some((e) => e.name === 'nat')) continue;
    const lookup = rule.find((e) => e.name === 'lookup');
    const set = lookup?.attrs.get(NFTA.LOOKUP_SET);
    const ng = rule.find((e) => e.name === 'numgen');
    const hash = rule.find((e) => e.name === 'hash');
    const mod = ng?.attrs.get(NFTA.NG_MODULUS) ?? hash?.attrs.get(NFTA.HASH_MODULUS);
    if (!set || !mod) continue;
    const counter = decodeCounterExpr(rule.find((e) => e.name === 'counter'));
    const type = ng ? readBe32(ng.attrs.get(NFTA.NG_TYPE) ?? mod) : undefined;
    return {
      map: readString(set),
      modulus: readBe32(mod) ?? 0,
      scheduler: hash ? 'jhash' : type === NFT_VALUE.NG_RANDOM ? 'numgen random' : 'numgen inc',
      ...(counter ? { counter } : {}),
    };
  }
  return undefined;
}

function decodeCounterExpr(e: DecodedExpr | undefined): DecodedElement['counter'] {
  if (!e) return undefined;
  return {
    packets: u64(e.attrs.get(NFTA.COUNTER_PACKETS)),
    bytes: u64(e.attrs.get(NFTA.COUNTER_BYTES)),
  };
}

function emptyVerdict(e: DecodedElement | undefined): WhenEmpty | undefined {
  if (!e?.verdict) return undefined;
  if (e.verdict.code === NFT_VALUE.NF_DROP) return 'drop';
  const chain = e.verdict.chain;
  return chain === CHAIN.emptyRejectTcp || chain === CHAIN.emptyRejectUdp ? 'reject' : undefined;
}

/**
 * lbkit's table read back as core's `ObservedState`: a service per element
 * of `services4/6` (`vip . proto . port : jump svc_<name>`), its destinations
 * the slots its dnat rule can select in its slot map (deduplicated, weight =
 * slots / gcd), its empty verdict its element of `empty4/6`, its counter the
 * dnat rule's, per-destination counters the elements of `flows4/6`.
 */
export function observeDecoded(decoded: DecodedTable): ObservedState {
  const services: ObservedService[] = [];
  const slotsOf = slotIndex(decoded);
  for (const family of [4, 6] as const) {
    const width = family === 4 ? 4 : 16;
    const empties = new Map(
      (decoded.sets.get(MAP.empty[family])?.elements ?? []).map((e) => [hex(e.key), e]),
    );
    const flows = new Map<string, DecodedElement['counter']>();
    for (const e of decoded.sets.get(MAP.flows[family])?.elements ?? []) {
      if (e.counter) flows.set(hex(e.key), e.counter);
    }
    for (const e of decoded.sets.get(MAP.services[family])?.elements ?? []) {
      const chainName = e.verdict?.chain;
      if (e.key.length !== width + 8 || chainName === undefined) continue;
      const vip = addressAt(e.key, 0, family);
      const protocol = PROTOCOLS[e.key[width]!];
      const port = be16(e.key, width + 4);
      if (!protocol) continue;
      const chain = decoded.chains.get(chainName);
      const dnat = dnatOf(chain);
      const pick = dnat ? undefined : readPickOf(decoded, chain, family);
      const slots = new Map<
        string,
        { address: string; port: number; n: number; first: number; raw: Uint8Array }
      >();
      const prefix = hex(e.key.subarray(0, width)) + hex(e.key.subarray(width + 4, width + 8));
      for (const s of dnat ? (slotsOf(dnat.map, width).get(prefix) ?? []) : []) {
        if (slotAt(s.key, width + 4) >= dnat!.modulus) continue;
        const id = hex(s.data);
        const slot = slotAt(s.key, width + 4);
        const entry = slots.get(id) ?? {
          address: addressAt(s.data, 0, family),
          port: be16(s.data, width),
          n: 0,
          first: slot,
          raw: s.data,
        };
        entry.n++;
        entry.first = Math.min(entry.first, slot);
        slots.set(id, entry);
      }
      for (const d of pick?.destinations ?? []) slots.set(`${d.address}|${d.port}`, d);
      const g = [...slots.values()].reduce((acc, d) => gcd(acc, d.n), 0) || 1;
      // In slot order, as nft lists them.
      const ordered = [...slots.values()].sort((a, b) => a.first - b.first);
      const destinations: ObservedDestination[] = ordered.map((d) => {
        const flowKey = hex(e.key) + hex(d.raw.subarray(0, width)) + hex(d.raw.subarray(width));
        const counter = flows.get(flowKey);
        return { address: d.address, port: d.port, weight: d.n / g, ...(counter ?? {}) };
      });
      const name = serviceFromChain(chainName);
      const whenEmpty = emptyVerdict(empties.get(hex(e.key)));
      services.push({
        key: { vip, port, protocol },
        ...(name === undefined ? {} : { name }),
        ...(dnat && destinations.length > 0 ? { scheduler: dnat.scheduler } : {}),
        ...(pick && destinations.length > 0 ? { scheduler: pick.scheduler } : {}),
        ...(whenEmpty === undefined ? {} : { whenEmpty }),
        destinations,
        ...(dnat?.counter ?? pick?.counter ?? {}),
      });
    }
  }
  const text = (s: ObservedService) => `${s.key.vip}|${s.key.protocol}|${s.key.port}`;
  return { services: services.sort((a, b) => text(a).localeCompare(text(b))) };
}
