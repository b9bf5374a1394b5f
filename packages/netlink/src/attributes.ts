import { err, ok, type Result } from 'neverthrow';
import { type NetlinkError, netlinkError } from './errors.js';
import { NLM } from './uapi.js';

/**
 * Netlink attributes (struct nlattr, `<linux/netlink.h>`): a 4-byte header
 * (length u16, type u16 with NESTED / NET_BYTEORDER bits), the value, then
 * padding to 4 bytes. Values are kept as raw bytes; the codecs give them
 * meaning, so attributes this library does not know are kept, not dropped.
 */
export interface NlAttr {
  /** Attribute type without the NESTED / NET_BYTEORDER bits. */
  readonly type: number;
  /** NLA_F_NESTED was set on the wire. */
  readonly nested?: boolean;
  /** The value bytes (without header or padding). */
  readonly value: Uint8Array;
}

/**
 * An attribute to encode: raw bytes, a list of nested attributes, or an
 * integer of 1, 2 or 4 bytes (host order, or network order with `bigEndian`)
 * that is written straight into the message, with no buffer of its own.
 */
export type AttrSpec =
  | { readonly type: number; readonly value: Uint8Array }
  | { readonly type: number; readonly children: readonly AttrSpec[] }
  | {
      readonly type: number;
      readonly int: number;
      readonly width: 1 | 2 | 4;
      readonly bigEndian?: boolean;
    };

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** Rounds up to the netlink alignment (4). */
export const align = (n: number): number => (n + NLM.ALIGNTO - 1) & ~(NLM.ALIGNTO - 1);

/** Bytes of an attribute's value (without header or padding). */
function valueSize(spec: AttrSpec): number {
  if ('value' in spec) return spec.value.length;
  if ('int' in spec) return spec.width;
  let n = 0;
  for (const child of spec.children) n += align(NLM.NLA_HDRLEN + valueSize(child));
  return n;
}

function writeInt(
  spec: { readonly int: number; readonly width: 1 | 2 | 4; readonly bigEndian?: boolean },
  view: DataView,
  at: number,
): void {
  const little = spec.bigEndian !== true;
  if (spec.width === 1) view.setUint8(at, spec.int & 0xff);
  else if (spec.width === 2) view.setUint16(at, spec.int & 0xffff, little);
  else view.setUint32(at, spec.int >>> 0, little);
}

/** Writes `spec` at `offset` (the buffer is zeroed, so padding is); the offset after its padding. */
function write(spec: AttrSpec, out: Uint8Array, view: DataView, offset: number): number {
  let at = offset + NLM.NLA_HDRLEN;
  let flags = 0;
  if ('value' in spec) {
    out.set(spec.value, at);
    at += spec.value.length;
  } else if ('int' in spec) {
    writeInt(spec, view, at);
    at += spec.width;
  } else {
    flags = NLM.NLA_F_NESTED;
    for (const child of spec.children) at = write(child, out, view, at);
  }
  view.setUint16(offset, at - offset, true);
  view.setUint16(offset + 2, (spec.type & NLM.NLA_TYPE_MASK) | flags, true);
  return align(at);
}

/**
 * Encodes attributes (each padded to 4 bytes; padding is zero). With
 * `headroom`, that many zero bytes come first, for a header the caller
 * writes (a message in one allocation).
 */
export function encodeAttributes(specs: readonly AttrSpec[], headroom = 0): Uint8Array {
  let total = headroom;
  for (const spec of specs) total += align(NLM.NLA_HDRLEN + valueSize(spec));
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = headroom;
  for (const spec of specs) at = write(spec, out, view, at);
  return out;
}

/**
 * Decodes a run of attributes. Never throws: a length that runs past the end or
 * is shorter than the header is a `parse` error. Trailing bytes shorter than a
 * header are ignored (the kernel pads messages).
 */
export function decodeAttributes(bytes: Uint8Array): Result<NlAttr[], NetlinkError> {
  const attrs: NlAttr[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + NLM.NLA_HDRLEN <= bytes.length) {
    const length = view.getUint16(at, true);
    const rawType = view.getUint16(at + 2, true);
    if (length < NLM.NLA_HDRLEN || at + length > bytes.length) {
      return err(netlinkError('parse', `attribute at offset ${at} has bad length ${length}`));
    }
    const value = bytes.subarray(at + NLM.NLA_HDRLEN, at + length);
    const nested = (rawType & NLM.NLA_F_NESTED) !== 0;
    attrs.push({ type: rawType & NLM.NLA_TYPE_MASK, ...(nested ? { nested } : {}), value });
    at += align(length);
  }
  return ok(attrs);
}

/** Raw-bytes attribute. */
export const attrBytes = (type: number, value: Uint8Array): AttrSpec => ({ type, value });

/** Nested attribute. */
export const attrNest = (type: number, children: readonly AttrSpec[]): AttrSpec => ({
  type,
  children,
});

/** u8 attribute. */
export const attrU8 = (type: number, v: number): AttrSpec => ({ type, int: v, width: 1 });
/** u16 attribute, host (little-endian) order. */
export const attrU16 = (type: number, v: number): AttrSpec => ({ type, int: v, width: 2 });
/** u32 attribute, host (little-endian) order. */
export const attrU32 = (type: number, v: number): AttrSpec => ({ type, int: v, width: 4 });
/** u64 attribute, host order. */
export const attrU64 = (type: number, v: bigint): AttrSpec => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return attrBytes(type, out);
};
/** be16 attribute (network order, e.g. ports). */
export const attrBe16 = (type: number, v: number): AttrSpec => ({
  type,
  int: v,
  width: 2,
  bigEndian: true,
});
/** be32 attribute (network order). */
export const attrBe32 = (type: number, v: number): AttrSpec => ({
  type,
  int: v,
  width: 4,
  bigEndian: true,
});
/** NUL-terminated string attribute. */
export const attrString = (type: number, s: string): AttrSpec => {
  const text = ENCODER.encode(s);
  const out = new Uint8Array(text.length + 1);
  out.set(text);
  return attrBytes(type, out);
};

const viewOf = (a: NlAttr): DataView =>
  new DataView(a.value.buffer, a.value.byteOffset, a.value.byteLength);

/** Reads a u8 value; `undefined` when the attribute is too short. */
export const readU8 = (a: NlAttr): number | undefined =>
  a.value.length >= 1 ? a.value[0] : undefined;
/** Reads a host-order u16. */
export const readU16 = (a: NlAttr): number | undefined =>
  a.value.length >= 2 ? viewOf(a).getUint16(0, true) : undefined;
/** Reads a host-order u32. */
export const readU32 = (a: NlAttr): number | undefined =>
  a.value.length >= 4 ? viewOf(a).getUint32(0, true) : undefined;
/** Reads a host-order u64. */
export const readU64 = (a: NlAttr): bigint | undefined =>
  a.value.length >= 8 ? viewOf(a).getBigUint64(0, true) : undefined;
/** Reads a network-order u16. */
export const readBe16 = (a: NlAttr): number | undefined =>
  a.value.length >= 2 ? viewOf(a).getUint16(0, false) : undefined;
/** Reads a network-order u32. */
export const readBe32 = (a: NlAttr): number | undefined =>
  a.value.length >= 4 ? viewOf(a).getUint32(0, false) : undefined;
/** Reads a string up to the first NUL (or the end). Invalid UTF-8 is replaced, never thrown. */
export function readString(a: NlAttr): string {
  const nul = a.value.indexOf(0);
  return DECODER.decode(nul < 0 ? a.value : a.value.subarray(0, nul));
}

/** Attributes by type; a later duplicate wins, as in the kernel's nla_parse. */
export function indexAttributes(attrs: readonly NlAttr[]): Map<number, NlAttr> {
  const map = new Map<number, NlAttr>();
  for (const a of attrs) map.set(a.type, a);
  return map;
}
