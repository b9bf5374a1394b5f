/**
 * Set elements as `NFT_MSG_NEWSETELEM` / `NFT_MSG_DELSETELEM` messages, written
 * straight from their typed parts (no text is parsed). Layout, verified
 * against nft 1.0.6: a concatenation is its components, each padded to a
 * 4-byte register: `ipv4_addr` 4 bytes network order, `ipv6_addr` 16 bytes,
 * `inet_service` 2 bytes network order + 2 zero bytes, `inet_proto` 1 byte + 3
 * zero bytes, the slot number (`numgen`/`jhash` result, a 32-bit integer) in
 * HOST byte order; verdicts `jump`/`goto` + chain, or `drop`. Like libnftnl, one op becomes as many messages as needed to
 * keep each elements nest within 65,535 bytes (a netlink attribute length is
 * 16 bits); element nests are numbered 1, 2, ... across the op's messages. Pure.
 * @module
 */

import { type BackendError, backendError, parseIpv4, parseIpv6 } from '@lbkit/core';
import { ITEMS_PER_STEP, NLM, type Steps } from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { ElementOp, ElementPart, RenderedElement } from '../render/commands.js';
import type { NlWriter } from './nl-writer.js';
import { HOST_LITTLE_ENDIAN, IPPROTO, NFNL, NFPROTO_INET, NFT, NFTA } from './uapi.js';

/** One component type of a key or value we emit. */
export type ElementField = 'ipv4_addr' | 'ipv6_addr' | 'inet_proto' | 'inet_service' | 'slot';

/** The layout of one of our maps/sets: key fields and the value (fields, a verdict, or none). */
export interface ElementLayout {
  readonly key: readonly ElementField[];
  readonly data: readonly ElementField[] | 'verdict' | undefined;
}

/** The layout of a map we render, from its name; `undefined` for any other name. */
export function elementLayout(map: string): ElementLayout | undefined {
  if (map.startsWith('pick_')) return { key: ['slot'], data: 'verdict' };
  const m = /^(services|empty|flows|slots)([46])(_(?:tcp|udp)_\d+)?$/.exec(map);
  if (!m) return undefined;
  const addr: ElementField = m[2] === '4' ? 'ipv4_addr' : 'ipv6_addr';
  const sharded = m[3] !== undefined;
  if ((m[1] === 'services' || m[1] === 'empty') && !sharded) {
    return { key: [addr, 'inet_proto', 'inet_service'], data: 'verdict' };
  }
  if (m[1] === 'flows' && !sharded) {
    return { key: [addr, 'inet_proto', 'inet_service', addr, 'inet_service'], data: undefined };
  }
  if (m[1] === 'slots' && sharded) {
    return { key: [addr, 'inet_service', 'slot'], data: [addr, 'inet_service'] };
  }
  return undefined;
}

const FIELD_BYTES: Readonly<Record<ElementField, number>> = {
  ipv4_addr: 4,
  ipv6_addr: 16,
  inet_proto: 4,
  inet_service: 4,
  slot: 4,
};
/** `NF_DROP` (`<linux/netfilter.h>`): a `drop` verdict has a code and no chain. */
const NF_DROP = 0;
/** Largest payload of one netlink attribute (`nla_len` is 16 bits). */
const MAX_NEST = 0xffff;

/** Parsed addresses, shared by every element of one encoding. */
export type AddressCache = Map<string, Uint8Array | undefined>;

const width = (fields: readonly ElementField[]): number =>
  fields.reduce((n, f) => n + FIELD_BYTES[f], 0);

/** Writes `parts` laid out as `fields` into a `NFTA_DATA_VALUE`; false when a part does not fit. */
function writeConcat(
  w: NlWriter,
  fields: readonly ElementField[],
  parts: readonly ElementPart[],
  addresses: AddressCache,
): boolean {
  if (parts.length !== fields.length) return false;
  let at = w.value(NFT.DATA_VALUE, width(fields));
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const part = parts[i]!;
    if (field === 'ipv4_addr' || field === 'ipv6_addr') {
      let bytes: Uint8Array | undefined;
      // The renderer hands over the model's parsed addresses: their bytes, no parsing.
      if (typeof part === 'object') bytes = part.bytes;
      else if (typeof part === 'string') {
        bytes = addresses.get(part);
        if (bytes === undefined && !addresses.has(part)) {
          bytes = field === 'ipv4_addr' ? parseIpv4(part) : parseIpv6(part);
          addresses.set(part, bytes);
        }
      } else return false;
      if (bytes === undefined || bytes.length !== FIELD_BYTES[field]) return false;
      w.put(at, bytes);
    } else if (field === 'inet_proto') {
      const n = part === 'tcp' || part === 'udp' ? IPPROTO[part] : undefined;
      if (n === undefined) return false;
      w.putU32(at, n << 24, false);
    } else if (field === 'inet_service') {
      if (typeof part !== 'number' || !Number.isInteger(part) || part < 0 || part > 0xffff) {
        return false;
      }
      w.putPort(at, part);
    } else {
      if (typeof part !== 'number' || !Number.isInteger(part) || part < 0 || part > 0xffffffff) {
        return false;
      }
      w.putU32(at, part, HOST_LITTLE_ENDIAN);
    }
    at += FIELD_BYTES[field];
  }
  return true;
}

/** One element nest (`index` = its attribute type, 1-based); false when it does not fit the layout. */
function writeElement(
  w: NlWriter,
  index: number,
  e: RenderedElement,
  layout: ElementLayout,
  withData: boolean,
  addresses: AddressCache,
): boolean {
  const elem = w.open(index);
  const key = w.open(NFT.SET_ELEM_KEY);
  if (!writeConcat(w, layout.key, e.key, addresses)) return false;
  w.close(key);
  if (withData && layout.data !== undefined) {
    const value = e.value;
    if (value === undefined) return false;
    const data = w.open(NFT.SET_ELEM_DATA);
    if (layout.data === 'verdict') {
      if (!('kind' in value)) return false;
      const verdict = w.open(NFT.DATA_VERDICT);
      if (value.kind === 'drop') w.be32(NFT.VERDICT_CODE, NF_DROP);
      else {
        w.be32(NFT.VERDICT_CODE, value.kind === 'jump' ? NFT.JUMP : NFT.GOTO);
        w.str(NFT.VERDICT_CHAIN, value.chain);
      }
      w.close(verdict);
    } else if ('kind' in value || !writeConcat(w, layout.data, value, addresses)) return false;
    w.close(data);
  }
  w.close(elem);
  return true;
}

/** Where the element messages of a batch get their sequence numbers and flags. */
export interface ElementMessageContext {
  readonly table: string;
  /** `NFTA_SET_ELEM_LIST_SET_ID` of the set when it is declared in this batch (adds only). */
  readonly setId: number | undefined;
  readonly addresses: AddressCache;
  /** Called once per message started; returns its sequence number. */
  readonly nextSeq: () => number;
}

/**
 * Writes `op` as one or more element messages. Fails with `unsupported` when
 * the map's layout is unknown or an element does not fit it (nothing of this
 * op is left in the writer then). As steps: it yields every `ITEMS_PER_STEP`
 * elements (a dispatch map of 10,000 services is one op of 30,000).
 */
export function* encodeElementOpSteps(
  w: NlWriter,
  op: ElementOp,
  ctx: ElementMessageContext,
): Steps<Result<void, BackendError>> {
  const layout = elementLayout(op.map);
  if (!layout) return err(backendError('unsupported', `map ${op.map}: unknown layout`));
  if (op.elements.length === 0) return ok(undefined);
  const add = op.verb === 'add';
  const type = (NFNL.SUBSYS_NFTABLES << 8) | (add ? NFT.MSG_NEWSETELEM : NFT.MSG_DELSETELEM);
  const flags = NLM.F_REQUEST | (add ? NLM.F_CREATE : 0);
  const opStart = w.length;
  let message = 0;
  let nest = 0;
  let inMessage = 0;
  // Like libnftnl, the nest index runs on over all messages of the op, and an
  // element that overflowed a message has used up its index.
  let index = 0;
  const start = (): void => {
    message = w.begin(type, flags, ctx.nextSeq(), NFPROTO_INET, 0);
    w.str(NFT.SET_ELEM_LIST_TABLE, ctx.table);
    w.str(NFT.SET_ELEM_LIST_SET, op.map);
    if (add && ctx.setId !== undefined) w.be32(NFTA.SET_ELEM_LIST_SET_ID, ctx.setId);
    nest = w.open(NFT.SET_ELEM_LIST_ELEMENTS);
    inMessage = 0;
  };
  const finish = (): void => {
    w.close(nest);
    w.end(message);
  };
  start();
  let done = 0;
  for (const e of op.elements) {
    if (++done % ITEMS_PER_STEP === 0) yield;
    const before = w.length;
    if (!writeElement(w, ++index, e, layout, add, ctx.addresses)) {
      w.truncate(opStart);
      return err(backendError('unsupported', `map ${op.map}: element does not fit its layout`));
    }
    if (w.sizeSince(nest) > MAX_NEST && inMessage > 0) {
      w.truncate(before);
      finish();
      start();
      writeElement(w, ++index, e, layout, add, ctx.addresses);
    }
    inMessage++;
  }
  finish();
  return ok(undefined);
}
