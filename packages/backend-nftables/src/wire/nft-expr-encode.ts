/**
 * nf_tables expressions as netlink, one writer per expression kind, each
 * writing its attributes in the order nft 1.0.6 (libnftnl) does, so a rule we
 * encode is byte for byte the rule nft would send. Pure.
 * @module
 */
import type { NlWriter } from './nl-writer.js';
import { HOST_LITTLE_ENDIAN, NFT, NFT_VALUE, NFTA } from './uapi.js';

/** Writes one `NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { body } }`. */
function expression(w: NlWriter, name: string, body: () => void): void {
  const elem = w.open(NFT.LIST_ELEM);
  w.str(NFTA.EXPR_NAME, name);
  const data = w.open(NFTA.EXPR_DATA);
  body();
  w.close(data);
  w.close(elem);
}

/** `[ meta load <key> => reg <dreg> ]`. */
export function meta(w: NlWriter, key: number, dreg: number): void {
  expression(w, 'meta', () => {
    w.be32(NFTA.META_KEY, key);
    w.be32(NFTA.META_DREG, dreg);
  });
}

/** `[ meta set <key> with reg <sreg> ]`. */
export function metaSet(w: NlWriter, key: number, sreg: number): void {
  expression(w, 'meta', () => {
    w.be32(NFTA.META_KEY, key);
    w.be32(NFTA.META_SREG, sreg);
  });
}

/** `[ cmp eq reg <sreg> <byte> ]` (one-byte operand: nfproto, l4proto). */
export function cmpEqByte(w: NlWriter, sreg: number, byte: number): void {
  expression(w, 'cmp', () => {
    w.be32(NFTA.CMP_SREG, sreg);
    w.be32(NFTA.CMP_OP, NFT_VALUE.CMP_EQ);
    const data = w.open(NFTA.CMP_DATA);
    w.bytes(NFT.DATA_VALUE, Uint8Array.of(byte));
    w.close(data);
  });
}

/** `[ payload load <len>b @ <base> header + <offset> => reg <dreg> ]`. */
export function payload(
  w: NlWriter,
  dreg: number,
  base: number,
  offset: number,
  len: number,
): void {
  expression(w, 'payload', () => {
    w.be32(NFTA.PAYLOAD_DREG, dreg);
    w.be32(NFTA.PAYLOAD_BASE, base);
    w.be32(NFTA.PAYLOAD_OFFSET, offset);
    w.be32(NFTA.PAYLOAD_LEN, len);
  });
}

/** `[ ct load <key> => reg <dreg> , dir <direction> ]`. */
export function ct(w: NlWriter, key: number, dreg: number, direction: number): void {
  expression(w, 'ct', () => {
    w.be32(NFTA.CT_KEY, key);
    w.be32(NFTA.CT_DREG, dreg);
    w.u8(NFTA.CT_DIRECTION, direction);
  });
}

/**
 * `[ lookup reg <sreg> set <set> [dreg <dreg>] ]`. `dreg` only for maps (0 =
 * the verdict register); `setId` only when the set is declared in the same batch.
 */
export function lookup(
  w: NlWriter,
  sreg: number,
  dreg: number | undefined,
  set: string,
  setId: number | undefined,
): void {
  expression(w, 'lookup', () => {
    w.be32(NFTA.LOOKUP_SREG, sreg);
    if (dreg !== undefined) w.be32(NFTA.LOOKUP_DREG, dreg);
    w.str(NFTA.LOOKUP_SET, set);
    if (setId !== undefined) w.be32(NFTA.LOOKUP_SET_ID, setId);
  });
}

/** `[ numgen reg <dreg> = inc|random mod <modulus> ]` (offset 0). */
export function numgen(w: NlWriter, dreg: number, modulus: number, type: number): void {
  expression(w, 'numgen', () => {
    w.be32(NFTA.NG_DREG, dreg);
    w.be32(NFTA.NG_MODULUS, modulus);
    w.be32(NFTA.NG_TYPE, type);
    w.be32(NFTA.NG_OFFSET, 0);
  });
}

/** `[ hash reg <dreg> = jhash(reg <sreg>, <len>, <seed>) % mod <modulus> ]` (offset 0). */
export function jhash(
  w: NlWriter,
  sreg: number,
  dreg: number,
  len: number,
  modulus: number,
  seed: number,
): void {
  expression(w, 'hash', () => {
    w.be32(NFTA.HASH_SREG, sreg);
    w.be32(NFTA.HASH_DREG, dreg);
    w.be32(NFTA.HASH_LEN, len);
    w.be32(NFTA.HASH_MODULUS, modulus);
    w.be32(NFTA.HASH_SEED, seed);
    w.be32(NFTA.HASH_OFFSET, 0);
    w.be32(NFTA.HASH_TYPE, NFT_VALUE.HASH_JENKINS);
  });
}

/** `[ nat dnat <family> addr_min reg <addr> proto_min reg <proto> ]`. */
export function dnat(w: NlWriter, nfproto: number, addrReg: number, protoReg: number): void {
  expression(w, 'nat', () => {
    w.be32(NFTA.NAT_TYPE, NFT_VALUE.NAT_DNAT);
    w.be32(NFTA.NAT_FAMILY, nfproto);
    w.be32(NFTA.NAT_REG_ADDR_MIN, addrReg);
    w.be32(NFTA.NAT_REG_PROTO_MIN, protoReg);
  });
}

/** `[ nat dnat <family> addr_min reg <addr> proto_min reg <proto> flags 0x2 ]` (a fixed address and port). */
export function dnatFixed(w: NlWriter, nfproto: number, addrReg: number, protoReg: number): void {
  expression(w, 'nat', () => {
    w.be32(NFTA.NAT_TYPE, NFT_VALUE.NAT_DNAT);
    w.be32(NFTA.NAT_FAMILY, nfproto);
    w.be32(NFTA.NAT_REG_ADDR_MIN, addrReg);
    w.be32(NFTA.NAT_REG_PROTO_MIN, protoReg);
    w.be32(NFTA.NAT_FLAGS, NFT_VALUE.NAT_RANGE_PROTO_SPECIFIED);
  });
}

/** `[ nat snat <family> addr_min reg <addr> ]` (a fixed address, no port). */
export function snat(w: NlWriter, nfproto: number, addrReg: number): void {
  expression(w, 'nat', () => {
    w.be32(NFTA.NAT_TYPE, NFT_VALUE.NAT_SNAT);
    w.be32(NFTA.NAT_FAMILY, nfproto);
    w.be32(NFTA.NAT_REG_ADDR_MIN, addrReg);
  });
}

/** `[ counter pkts 0 bytes 0 ]`. */
export function counter(w: NlWriter): void {
  expression(w, 'counter', () => {});
}

/** `[ masq ]`. */
export function masquerade(w: NlWriter): void {
  expression(w, 'masq', () => {});
}

/** `[ reject type <type> code <code> ]`. */
export function reject(w: NlWriter, type: number, code: number): void {
  expression(w, 'reject', () => {
    w.be32(NFTA.REJECT_TYPE, type);
    w.u8(NFTA.REJECT_ICMP_CODE, code);
  });
}

/** `[ immediate reg <dreg> <value> ]` for a 32-bit value in host byte order (a mark). */
export function immediateU32(w: NlWriter, dreg: number, value: number): void {
  expression(w, 'immediate', () => {
    w.be32(NFTA.IMMEDIATE_DREG, dreg);
    const data = w.open(NFTA.IMMEDIATE_DATA);
    const at = w.value(NFT.DATA_VALUE, 4);
    w.putU32(at, value, HOST_LITTLE_ENDIAN);
    w.close(data);
  });
}

/** `[ immediate reg <dreg> <bytes> ]` for data in network byte order (an address). */
export function immediateBytes(w: NlWriter, dreg: number, bytes: Uint8Array): void {
  expression(w, 'immediate', () => {
    w.be32(NFTA.IMMEDIATE_DREG, dreg);
    const data = w.open(NFTA.IMMEDIATE_DATA);
    w.bytes(NFT.DATA_VALUE, bytes);
    w.close(data);
  });
}

/** `[ dynset update reg_key <sreg> set <set> ]` (`update @set { <key> }`, the set's own timeout). */
export function dynsetUpdate(
  w: NlWriter,
  sreg: number,
  set: string,
  setId: number | undefined,
): void {
  expression(w, 'dynset', () => {
    w.be32(NFTA.DYNSET_SREG_KEY, sreg);
    w.be32(NFTA.DYNSET_OP, NFT_VALUE.DYNSET_OP_UPDATE);
    w.str(NFTA.DYNSET_SET_NAME, set);
    if (setId !== undefined) w.be32(NFTA.DYNSET_SET_ID, setId);
  });
}

/** `[ immediate reg 0 goto -> <chain> ]`. */
export function immediateGoto(w: NlWriter, chain: string): void {
  expression(w, 'immediate', () => {
    w.be32(NFTA.IMMEDIATE_DREG, NFT_VALUE.REG_VERDICT);
    const data = w.open(NFTA.IMMEDIATE_DATA);
    const verdict = w.open(NFT.DATA_VERDICT);
    w.be32(NFT.VERDICT_CODE, NFT.GOTO);
    w.str(NFT.VERDICT_CHAIN, chain);
    w.close(verdict);
    w.close(data);
  });
}
