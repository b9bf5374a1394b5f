/**
 * `NFT_MSG_NEWSET` bodies for the sets and maps we declare (`SetDecl`), as nft
 * 1.0.6 writes them: flags, key/data types and lengths, and the user data nft
 * keeps for itself (`nft list` prints `type ...` / `typeof ...` from it). Pure.
 * @module
 */
import type { IpFamily, Protocol } from '@lbkit/core';
import type { SetDecl } from '../render/commands.js';
import type { NlWriter } from './nl-writer.js';
import { HOST_LITTLE_ENDIAN, NFT_VALUE, NFTA, NFT_USER as U } from './uapi.js';

/** A user-data TLV (libnftnl `nftnl_udata`: u8 type, u8 length, value; no padding). */
type Udata = readonly [type: number, value: Uint8Array | readonly Udata[]];

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, HOST_LITTLE_ENDIAN);
  return b;
};

function udataBytes(items: readonly Udata[]): Uint8Array {
  const parts: number[] = [];
  for (const [type, value] of items) {
    const bytes = value instanceof Uint8Array ? value : udataBytes(value);
    parts.push(type, bytes.length);
    for (const byte of bytes) parts.push(byte);
  }
  return Uint8Array.from(parts);
}

/** `typeof` record of one expression: its nft expression type and its own data. */
const typeofExpr = (exprType: number, data: readonly Udata[]): readonly Udata[] => [
  [U.UDATA_TYPEOF_EXPR, u32(exprType)],
  [U.UDATA_TYPEOF_DATA, data],
];
const payloadTypeof = (desc: number, field: number): readonly Udata[] =>
  typeofExpr(U.EXPR_PAYLOAD, [
    [0, u32(desc)],
    [1, u32(field)],
  ]);
const concatTypeof = (members: readonly (readonly Udata[])[]): readonly Udata[] =>
  typeofExpr(
    U.EXPR_CONCAT,
    members.map((m, i) => [i, m] as const),
  );

/** `<ip> daddr` and `<p> dport` as nft records them. */
const daddrTypeof = (family: IpFamily): readonly Udata[] =>
  family === 4
    ? payloadTypeof(U.PROTO_IP, U.IPHDR_DADDR)
    : payloadTypeof(U.PROTO_IP6, U.IP6HDR_DADDR);
const dportTypeof = (protocol: Protocol): readonly Udata[] =>
  payloadTypeof(protocol === 'tcp' ? U.PROTO_TCP : U.PROTO_UDP, U.THDR_DPORT);
/** `numgen inc mod 2` (the placeholder of the slot maps' `typeof`). */
const numgenTypeof = typeofExpr(U.EXPR_NUMGEN, [
  [0, u32(0)],
  [1, u32(2)],
  [2, u32(0)],
]);

const addrType = (family: IpFamily): number => (family === 4 ? U.TYPE_IPADDR : U.TYPE_IP6ADDR);
const addrLen = (family: IpFamily): number => (family === 4 ? 4 : 16);
/** nft's concatenation type id: `(t1 << TYPE_BITS | t2) << TYPE_BITS | t3 ...`. */
const concatType = (types: readonly number[]): number =>
  types.reduce((acc, t) => acc * (1 << U.TYPE_BITS) + t, 0);

/** Everything of a declaration except table, name and id. */
interface SetShape {
  readonly flags: number;
  readonly keyType: number;
  readonly keyLen: number;
  readonly data?: { readonly type: number; readonly len: number };
  readonly udata: Uint8Array;
  readonly counter: boolean;
  /** `NFTA_SET_TIMEOUT` (ms): the elements' default timeout. */
  readonly timeoutMs?: number;
}

const byteOrders = (withData: boolean): Udata[] => [
  [U.UDATA_SET_KEYBYTEORDER, u32(0)],
  ...(withData ? [[U.UDATA_SET_DATABYTEORDER, u32(0)] as const] : []),
];
const noInterval: Udata = [U.UDATA_SET_DATA_INTERVAL, u32(0)];

function shapeOf(set: SetDecl): SetShape {
  if (set.kind === 'pick') {
    return {
      flags: NFT_VALUE.SET_MAP,
      keyType: U.TYPE_INTEGER,
      keyLen: 4,
      data: { type: NFT_VALUE.DATA_VERDICT, len: 0 },
      // The slot is a host-order integer; the verdict's typeof is only its kind.
      udata: udataBytes([
        [U.UDATA_SET_KEYBYTEORDER, u32(U.BYTEORDER_HOST)],
        [U.UDATA_SET_DATABYTEORDER, u32(0)],
        [U.UDATA_SET_KEY_TYPEOF, numgenTypeof],
        [U.UDATA_SET_DATA_TYPEOF, typeofExpr(U.EXPR_VERDICT, [])],
        noInterval,
      ]),
      counter: false,
    };
  }
  const addr = addrType(set.family);
  const a = addrLen(set.family);
  switch (set.kind) {
    case 'affinity':
      return {
        flags: NFT_VALUE.SET_TIMEOUT | NFT_VALUE.SET_EVAL,
        keyType: addr,
        keyLen: a,
        timeoutMs: set.timeout * 1000,
        udata: udataBytes([[U.UDATA_SET_KEYBYTEORDER, u32(U.BYTEORDER_BIG)]]),
        counter: false,
      };
    case 'dispatch':
      return {
        flags: NFT_VALUE.SET_MAP,
        keyType: concatType([addr, U.TYPE_INET_PROTOCOL, U.TYPE_INET_SERVICE]),
        keyLen: a + 8,
        data: { type: NFT_VALUE.DATA_VERDICT, len: 0 },
        udata: udataBytes([
          ...byteOrders(true),
          [U.UDATA_SET_KEY_TYPEOF, concatTypeof([])],
          noInterval,
        ]),
        counter: set.counter,
      };
    case 'flows':
      return {
        flags: 0,
        keyType: concatType([
          addr,
          U.TYPE_INET_PROTOCOL,
          U.TYPE_INET_SERVICE,
          addr,
          U.TYPE_INET_SERVICE,
        ]),
        keyLen: 2 * a + 12,
        udata: udataBytes([...byteOrders(false), [U.UDATA_SET_KEY_TYPEOF, concatTypeof([])]]),
        counter: set.counter,
      };
    case 'slots': {
      const daddr = daddrTypeof(set.family);
      const dport = dportTypeof(set.protocol);
      return {
        flags: NFT_VALUE.SET_MAP,
        keyType: concatType([addr, U.TYPE_INET_SERVICE, U.TYPE_INTEGER]),
        keyLen: a + 8,
        data: { type: concatType([addr, U.TYPE_INET_SERVICE]), len: a + 4 },
        udata: udataBytes([
          ...byteOrders(true),
          [U.UDATA_SET_KEY_TYPEOF, concatTypeof([daddr, dport, numgenTypeof])],
          [U.UDATA_SET_DATA_TYPEOF, concatTypeof([daddr, dport])],
          noInterval,
        ]),
        counter: false,
      };
    }
  }
}

const shapes = new Map<string, SetShape>();
const cachedShape = (set: SetDecl): SetShape => {
  const key =
    set.kind === 'pick'
      ? 'pick'
      : `${set.kind}/${set.family}/${set.kind === 'slots' ? set.protocol : set.kind === 'affinity' ? set.timeout : set.counter}`;
  let shape = shapes.get(key);
  if (!shape) {
    shape = shapeOf(set);
    shapes.set(key, shape);
  }
  return shape;
};

/** Writes the attributes of `NFT_MSG_NEWSET` for `set` (id: its `NFTA_SET_ID` in this batch). */
export function encodeSetAttributes(w: NlWriter, table: string, set: SetDecl, id: number): void {
  const shape = cachedShape(set);
  w.str(NFTA.SET_TABLE, table);
  w.str(NFTA.SET_NAME, set.name);
  w.be32(NFTA.SET_FLAGS, shape.flags);
  w.be32(NFTA.SET_KEY_TYPE, shape.keyType);
  w.be32(NFTA.SET_KEY_LEN, shape.keyLen);
  if (shape.data) {
    w.be32(NFTA.SET_DATA_TYPE, shape.data.type);
    w.be32(NFTA.SET_DATA_LEN, shape.data.len);
  }
  w.be32(NFTA.SET_ID, id);
  if (shape.timeoutMs !== undefined) w.be64(NFTA.SET_TIMEOUT, shape.timeoutMs);
  w.bytes(NFTA.SET_USERDATA, shape.udata);
  if (shape.counter) {
    // NFTA_SET_EXPR: the per-element `counter` the kernel clones into every element.
    const expr = w.open(NFTA.SET_EXPR);
    w.str(NFTA.EXPR_NAME, 'counter');
    w.empty(NFTA.EXPR_DATA);
    w.close(expr);
  }
}
