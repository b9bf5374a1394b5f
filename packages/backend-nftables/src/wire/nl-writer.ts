/**
 * A netlink message writer over ONE growing buffer: messages and nested
 * attributes are opened, filled and closed in place (lengths back-patched), so
 * a batch of tens of megabytes costs a few buffer doublings, not an
 * allocation per attribute. Pure (no I/O).
 * @module
 */
import { NLM } from '@lbkit/netlink';
import { NFNL, NFT } from './uapi.js';

const align4 = (n: number): number => (n + 3) & ~3;

/** Writes netlink messages (`nlmsghdr` + `nfgenmsg` + attributes) into one buffer. */
export class NlWriter {
  private buf: Uint8Array;
  private view: DataView;
  private at = 0;
  /** Offset of the most recently begun message (-1: none). */
  private last = -1;

  constructor(initialBytes = 64 * 1024) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.at;
  }

  /** Makes room for `total` bytes from the start, so writing that much never regrows. */
  reserveTotal(total: number): void {
    if (total > this.at) this.reserve(total - this.at);
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /**
   * Opens a message: `nlmsghdr` (port id 0 = the kernel) and `nfgenmsg`
   * (`family`, version 0, big-endian `resId`). Returns its offset for `end`.
   */
  begin(type: number, flags: number, seq: number, family: number, resId: number): number {
    this.reserve(NLM.HDRLEN + NFNL.GENMSG_LEN);
    const start = this.at;
    const v = this.view;
    v.setUint16(start + 4, type, true);
    v.setUint16(start + 6, flags, true);
    v.setUint32(start + 8, seq, true);
    v.setUint32(start + 12, 0, true);
    this.buf[start + 16] = family;
    this.buf[start + 17] = NFNL.NFNETLINK_V0;
    v.setUint16(start + 18, resId, false);
    this.at = start + NLM.HDRLEN + NFNL.GENMSG_LEN;
    this.last = start;
    return start;
  }

  /** Adds `flags` (e.g. `NLM_F_ACK`) to the most recently begun message; false when there is none. */
  flagLastMessage(flags: number): boolean {
    if (this.last < 0) return false;
    const v = this.view;
    v.setUint16(this.last + 6, v.getUint16(this.last + 6, true) | flags, true);
    return true;
  }

  /** Closes the message opened at `start` (writes its length). */
  end(start: number): void {
    this.view.setUint32(start, this.at - start, true);
  }

  /** Opens a nested attribute (`NLA_F_NESTED` set). Returns its offset for `close`. */
  open(type: number): number {
    this.reserve(4);
    const start = this.at;
    this.view.setUint16(start + 2, type | NFT.NLA_F_NESTED, true);
    this.at += 4;
    return start;
  }

  /** Closes the nest opened at `start`. */
  close(start: number): void {
    this.view.setUint16(start, this.at - start, true);
  }

  /** Length a nest opened at `start` would have if closed now. */
  sizeSince(start: number): number {
    return this.at - start;
  }

  /** Drops everything written after `offset` (undo of a partial write). */
  truncate(offset: number): void {
    this.at = offset;
    if (this.last >= offset) this.last = -1;
  }

  /** Starts a flat attribute of `payload` bytes; returns the payload offset (caller fills it). */
  private attr(type: number, payload: number): number {
    const padded = align4(4 + payload);
    this.reserve(padded);
    const start = this.at;
    this.view.setUint16(start, 4 + payload, true);
    this.view.setUint16(start + 2, type, true);
    for (let i = start + 4 + payload; i < start + padded; i++) this.buf[i] = 0;
    this.at = start + padded;
    return start + 4;
  }

  /** A big-endian 32-bit attribute (nf_tables' `NLA_U32` / `NLA_BE32`). */
  be32(type: number, value: number): void {
    const at = this.attr(type, 4); // before reading this.view: attr() may grow the buffer
    this.view.setUint32(at, value >>> 0, false);
  }

  /** A big-endian 64-bit attribute (`NLA_U64`: a set timeout in ms). */
  be64(type: number, value: number): void {
    const at = this.attr(type, 8);
    this.view.setBigUint64(at, BigInt(value), false);
  }

  /** A one-byte attribute. */
  u8(type: number, value: number): void {
    const at = this.attr(type, 1);
    this.buf[at] = value;
  }

  /** A NUL-terminated ASCII string attribute (our names are validated ASCII). */
  str(type: number, text: string): void {
    const at = this.attr(type, text.length + 1);
    for (let i = 0; i < text.length; i++) this.buf[at + i] = text.charCodeAt(i) & 0x7f;
    this.buf[at + text.length] = 0;
  }

  /** An attribute holding `bytes` verbatim. */
  bytes(type: number, bytes: Uint8Array): void {
    const at = this.attr(type, bytes.length);
    this.buf.set(bytes, at);
  }

  /** Appends bytes already laid out as attributes (4-byte aligned), e.g. a cached nest. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** An empty nest (`counter`, `masq` data). */
  empty(type: number): void {
    this.close(this.open(type));
  }

  /**
   * Starts an attribute of exactly `payload` bytes and returns the offset to
   * fill with `put*` (for element keys built from several parts).
   */
  value(type: number, payload: number): number {
    return this.attr(type, payload);
  }

  /** Writes `bytes` at absolute `offset` (inside a `value`). */
  put(offset: number, bytes: Uint8Array): void {
    this.buf.set(bytes, offset);
  }

  /** Writes a 32-bit integer at `offset` in the given byte order (inside a `value`). */
  putU32(offset: number, value: number, littleEndian: boolean): void {
    this.view.setUint32(offset, value >>> 0, littleEndian);
  }

  /** Writes a port (2 bytes big-endian, 2 zero bytes: one 32-bit register) at `offset`. */
  putPort(offset: number, port: number): void {
    this.view.setUint32(offset, (port & 0xffff) << 16, false);
  }

  /** Everything written, as a view of the writer's buffer (no copy: stop writing after this). */
  bytesWritten(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}
