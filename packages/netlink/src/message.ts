import { err, ok, type Result } from 'neverthrow';
import {
  type AttrSpec,
  align,
  decodeAttributes,
  encodeAttributes,
  indexAttributes,
  readString,
} from './attributes.js';
import { type NetlinkError, netlinkError } from './errors.js';
import { GENL, NLM, NLMSGERR_ATTR } from './uapi.js';

/** One netlink message (struct nlmsghdr + payload), `<linux/netlink.h>`. */
export interface NetlinkMessage {
  /** nlmsg_type: a family id, or NOOP / ERROR / DONE. */
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** Port id of the sender (0 = kernel). */
  readonly pid: number;
  readonly payload: Uint8Array;
}

/** A generic netlink payload (struct genlmsghdr + attributes), `<linux/genetlink.h>`. */
export interface GenlPayload {
  readonly cmd: number;
  readonly version: number;
  /** Encoded attributes following the 4-byte header. */
  readonly attributes: Uint8Array;
}

/** The body of an NLMSG_ERROR message: errno 0 is an ACK. */
export interface NetlinkAck {
  /** Positive errno, 0 for success. */
  readonly errno: number;
  /** Sequence number of the request it answers (from the echoed header). */
  readonly seq: number;
  /** Extended ack text (NLMSGERR_ATTR_MSG), when the kernel gave one. */
  readonly detail?: string;
}

/** Encodes one message; the length field is computed and the payload padded. */
export const encodeMessage = (message: NetlinkMessage): Uint8Array => encodeMessages([message]);

/**
 * Encodes messages back to back, each padded, into one buffer (one datagram
 * of several requests: one allocation, no per-message copy).
 */
export function encodeMessages(messages: readonly NetlinkMessage[]): Uint8Array {
  let total = 0;
  for (const m of messages) total += align(NLM.HDRLEN + m.payload.length);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const m of messages) {
    const length = NLM.HDRLEN + m.payload.length;
    view.setUint32(at, length, true);
    view.setUint16(at + 4, m.type, true);
    view.setUint16(at + 6, m.flags, true);
    view.setUint32(at + 8, m.seq >>> 0, true);
    view.setUint32(at + 12, m.pid >>> 0, true);
    out.set(m.payload, at + NLM.HDRLEN);
    at += align(length);
  }
  return out;
}

/**
 * Splits a datagram into messages. Never throws: a header whose length is
 * shorter than the header or runs past the end is a `parse` error.
 */
export function decodeMessages(bytes: Uint8Array): Result<NetlinkMessage[], NetlinkError> {
  const messages: NetlinkMessage[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + NLM.HDRLEN <= bytes.length) {
    const length = view.getUint32(at, true);
    if (length < NLM.HDRLEN || at + length > bytes.length) {
      return err(netlinkError('parse', `netlink message at offset ${at} has bad length ${length}`));
    }
    messages.push({
      type: view.getUint16(at + 4, true),
      flags: view.getUint16(at + 6, true),
      seq: view.getUint32(at + 8, true),
      pid: view.getUint32(at + 12, true),
      payload: bytes.subarray(at + NLM.HDRLEN, at + length),
    });
    at += align(length);
  }
  return ok(messages);
}

/** Encodes a generic netlink payload: genlmsghdr (cmd, version, reserved) + attributes. */
export function encodeGenl(payload: GenlPayload): Uint8Array {
  const out = new Uint8Array(GENL.HDRLEN + payload.attributes.length);
  out[0] = payload.cmd;
  out[1] = payload.version;
  out.set(payload.attributes, GENL.HDRLEN);
  return out;
}

/** A generic netlink payload of `attributes` encoded in one allocation (as `encodeGenl`). */
export function encodeGenlAttributes(
  cmd: number,
  version: number,
  attributes: readonly AttrSpec[],
): Uint8Array {
  const out = encodeAttributes(attributes, GENL.HDRLEN);
  out[0] = cmd;
  out[1] = version;
  return out;
}

/** Decodes a generic netlink payload. */
export function decodeGenl(bytes: Uint8Array): Result<GenlPayload, NetlinkError> {
  if (bytes.length < GENL.HDRLEN) {
    return err(netlinkError('parse', `generic netlink payload of ${bytes.length} bytes`));
  }
  return ok({ cmd: bytes[0]!, version: bytes[1]!, attributes: bytes.subarray(GENL.HDRLEN) });
}

/** Encodes an NLMSG_ERROR body (for fakes and tests): errno, then the echoed request header. */
export function encodeAck(ack: NetlinkAck, requestType = 0): Uint8Array {
  const out = new Uint8Array(4 + NLM.HDRLEN);
  const view = new DataView(out.buffer);
  view.setInt32(0, -ack.errno, true);
  view.setUint32(4, NLM.HDRLEN, true);
  view.setUint16(8, requestType, true);
  view.setUint32(12, ack.seq >>> 0, true);
  return out;
}

/**
 * Decodes an NLMSG_ERROR body (struct nlmsgerr): a negative errno (0 = ACK),
 * the echoed request header, and, with NLM_F_ACK_TLVS, extended ack attributes.
 */
export function decodeAck(message: NetlinkMessage): Result<NetlinkAck, NetlinkError> {
  const bytes = message.payload;
  if (bytes.length < 4 + NLM.HDRLEN) {
    return err(netlinkError('parse', `NLMSG_ERROR of ${bytes.length} bytes`));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const errno = Math.abs(view.getInt32(0, true));
  const seq = view.getUint32(4 + 8, true);
  if ((message.flags & NLM.F_ACK_TLVS) === 0) return ok({ errno, seq });
  // Capped acks echo only the header; otherwise the whole request follows.
  const echoed = (message.flags & NLM.F_CAPPED) !== 0 ? NLM.HDRLEN : align(view.getUint32(4, true));
  const tlvs = decodeAttributes(bytes.subarray(Math.min(bytes.length, 4 + echoed)));
  if (tlvs.isErr()) return ok({ errno, seq });
  const msg = indexAttributes(tlvs.value).get(NLMSGERR_ATTR.MSG);
  return ok(msg ? { errno, seq, detail: readString(msg) } : { errno, seq });
}

/** Decodes the int at the start of an NLMSG_DONE body (a negative errno if a dump failed). */
export function decodeDone(message: NetlinkMessage): number {
  if (message.payload.length < 4) return 0;
  const view = new DataView(
    message.payload.buffer,
    message.payload.byteOffset,
    message.payload.byteLength,
  );
  const value = view.getInt32(0, true);
  return value < 0 ? -value : 0;
}
