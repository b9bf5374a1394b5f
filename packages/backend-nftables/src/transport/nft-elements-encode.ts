/**
 * Pure encoding of element-only changes (`ElementOp`s) into ONE nf_tables
 * netlink batch: `NFNL_MSG_BATCH_BEGIN`, one `NFT_MSG_DELSETELEM` /
 * `NFT_MSG_NEWSETELEM` message per op, `NFNL_MSG_BATCH_END`. No I/O.
 *
 * Key and data layout (verified against `nft --debug=netlink`, nft 1.0.6): a
 * concatenation is its components, each padded to a 4-byte register:
 * `ipv4_addr` 4 bytes network order, `ipv6_addr` 16 bytes, `inet_service` 2
 * bytes network order + 2 zero bytes, `inet_proto` 1 byte + 3 zero bytes, the
 * slot number (`numgen`/`jhash` result, a 32-bit integer) in HOST byte order.
 * @module
 */
import { type BackendError, backendError, parseIpv4, parseIpv6 } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import type { ElementOp } from '../render/skeleton.js';
import { NFNL, NFPROTO_INET, NFT, NLMSG } from './uapi.js';

/** One component type of a key or value we emit. */
export type ElementField = 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service' | 'slot';

/** The layout of one of our maps/sets: key fields and the value (fields, a verdict, or none). */
export interface ElementLayout {
  readonly key: readonly ElementField[];
  readonly data: readonly ElementField[] | 'verdict' | undefined;
}

/** The layout of a map we render, from its name; `undefined` for any other name. */
export function elementLayout(map: string): ElementLayout | undefined {
  const m = /^(services|flows|backends)([46])(?:_(?:tcp|udp)_\d+)?$/.exec(map);
  if (!m) return undefined;
  const addr: ElementField = m[2] === '4' ? 'ipv4_addr' : 'ipv6_addr';
  if (m[1] === 'services' && map.length === 9) {
    return { key: [addr, 'inet_proto', 'inet_service'], data: 'verdict' };
  }
  if (m[1] === 'flows' && map.length === 6) {
    return { key: [addr, 'inet_proto', 'inet_service', addr, 'inet_service'], data: undefined };
  }
  if (m[1] === 'backends' && map.length > 9) {
    return { key: [addr, 'inet_service', 'slot'], data: [addr, 'inet_service'] };
  }
  return undefined;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17 };
/** Host byte order of this machine (the kernel's, since we talk to the local kernel). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function encodeField(field: ElementField, text: string): Uint8Array | undefined {
  switch (field) {
    case 'ipv4_addr':
      return parseIpv4(text);
    case 'ipv6_addr':
      return parseIpv6(text);
    case 'inet_proto': {
      const n = PROTOCOL_NUMBERS[text];
      return n === undefined ? undefined : Uint8Array.of(n, 0, 0, 0);
    }
    case 'inet_service': {
      if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) return undefined;
      const n = Number(text);
      return Uint8Array.of(n >> 8, n & 0xff, 0, 0);
    }
    case 'slot': {
      if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) return undefined;
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, Number(text), LITTLE_ENDIAN);
      return b;
    }
  }
}

/** Encodes `a . b . c` text with the given fields (one padded register each). */
export function encodeConcat(
  fields: readonly ElementField[],
  text: string,
): Result<Uint8Array, BackendError> {
  const parts = text.split(' . ');
  if (parts.length !== fields.length) {
    return err(backendError('unsupported', `element ${text}: expected ${fields.length} fields`));
  }
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < parts.length; i++) {
    const bytes = encodeField(fields[i]!, parts[i]!);
    if (!bytes) return err(backendError('unsupported', `element ${text}: bad ${fields[i]}`));
    chunks.push(bytes);
  }
  return ok(concat(chunks));
}

const concat = (chunks: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

const align4 = (n: number): number => (n + 3) & ~3;

/** One netlink attribute (`struct nlattr` + payload + padding to 4 bytes). */
function attr(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(align4(4 + payload.length));
  const v = new DataView(out.buffer);
  v.setUint16(0, 4 + payload.length, true);
  v.setUint16(2, type, true);
  out.set(payload, 4);
  return out;
}
const nest = (type: number, children: readonly Uint8Array[]): Uint8Array =>
  attr(type | NFT.NLA_F_NESTED, concat(children));
const cstring = (s: string): Uint8Array => concat([new TextEncoder().encode(s), Uint8Array.of(0)]);
const be32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, false);
  return b;
};

/** A netlink message: `nlmsghdr` + `nfgenmsg` + attributes. */
function message(
  type: number,
  flags: number,
  seq: number,
  family: number,
  resId: number,
  body: readonly Uint8Array[],
): Uint8Array {
  const payload = concat(body);
  const out = new Uint8Array(NLMSG.HDRLEN + NFNL.GENMSG_LEN + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq, true);
  v.setUint32(12, 0, true); // port id: 0 = the kernel
  out[16] = family;
  out[17] = NFNL.NFNETLINK_V0;
  v.setUint16(18, resId, false); // res_id is big-endian
  out.set(payload, NLMSG.HDRLEN + NFNL.GENMSG_LEN);
  return out;
}

function encodeOp(op: ElementOp, table: string, seq: number): Result<Uint8Array, BackendError> {
  const layout = elementLayout(op.map);
  if (!layout) return err(backendError('unsupported', `map ${op.map}: unknown layout`));
  const elements: Uint8Array[] = [];
  for (const e of op.elements) {
    const key = encodeConcat(layout.key, e.key);
    if (key.isErr()) return err(key.error);
    const parts = [nest(NFT.SET_ELEM_KEY, [attr(NFT.DATA_VALUE, key.value)])];
    if (op.verb === 'add' && layout.data !== undefined) {
      if (e.value === undefined) {
        return err(backendError('unsupported', `map ${op.map}: element ${e.key} has no value`));
      }
      let data: Uint8Array;
      if (layout.data === 'verdict') {
        const chain = /^goto ([A-Za-z][A-Za-z0-9_-]{0,63})$/.exec(e.value);
        if (!chain) return err(backendError('unsupported', `verdict ${e.value}`));
        data = nest(NFT.DATA_VERDICT, [
          attr(NFT.VERDICT_CODE, be32(NFT.GOTO)),
          attr(NFT.VERDICT_CHAIN, cstring(chain[1]!)),
        ]);
      } else {
        const value = encodeConcat(layout.data, e.value);
        if (value.isErr()) return err(value.error);
        data = attr(NFT.DATA_VALUE, value.value);
      }
      parts.push(nest(NFT.SET_ELEM_DATA, [data]));
    }
    elements.push(nest(NFT.LIST_ELEM, parts));
  }
  const add = op.verb === 'add';
  const type = (NFNL.SUBSYS_NFTABLES << 8) | (add ? NFT.MSG_NEWSETELEM : NFT.MSG_DELSETELEM);
  const flags = NLMSG.F_REQUEST | NLMSG.F_ACK | (add ? NLMSG.F_CREATE : 0);
  return ok(
    message(type, flags, seq, NFPROTO_INET, 0, [
      attr(NFT.SET_ELEM_LIST_TABLE, cstring(table)),
      attr(NFT.SET_ELEM_LIST_SET, cstring(op.map)),
      nest(NFT.SET_ELEM_LIST_ELEMENTS, elements),
    ]),
  );
}

/** An encoded batch: the bytes to send and the sequence numbers that must be acknowledged. */
export interface ElementBatch {
  readonly bytes: Uint8Array;
  /** Sequence number of `NFNL_MSG_BATCH_BEGIN` (errors about the batch itself carry it). */
  readonly beginSeq: number;
  /** Sequence numbers of the element messages, one ACK or error each. */
  readonly messageSeqs: readonly number[];
}

/**
 * Encodes element ops for table `inet <table>` as one batch whose sequence
 * numbers start at `firstSeq`. Fails with `unsupported` for a map or element
 * text outside the dialect we render (the caller then uses nft).
 */
export function encodeElementBatch(
  table: string,
  ops: readonly ElementOp[],
  firstSeq: number,
): Result<ElementBatch, BackendError> {
  const unspec = 0;
  let seq = firstSeq;
  const beginSeq = seq++;
  const parts = [
    message(NFNL.MSG_BATCH_BEGIN, NLMSG.F_REQUEST, beginSeq, unspec, NFNL.SUBSYS_NFTABLES, []),
  ];
  const messageSeqs: number[] = [];
  for (const op of ops) {
    if (op.elements.length === 0) continue;
    const s = seq++;
    const encoded = encodeOp(op, table, s);
    if (encoded.isErr()) return err(encoded.error);
    parts.push(encoded.value);
    messageSeqs.push(s);
  }
  parts.push(message(NFNL.MSG_BATCH_END, NLMSG.F_REQUEST, seq, unspec, NFNL.SUBSYS_NFTABLES, []));
  return ok({ bytes: concat(parts), beginSeq, messageSeqs });
}
