/**
 * The libc calls lbkit makes, through koffi, loaded once per process. The
 * ONLY place that binds libc: sockets and `setns(2)` for both backends.
 * @module
 */
import koffi from 'koffi';
import { err, ok, type Result } from 'neverthrow';
import { type NetlinkError, netlinkError } from './errors.js';

/** The bound functions; every call returns -1 and sets `errno()` on failure, like C. */
export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  connect(fd: number, addr: Uint8Array, len: number): number;
  listen(fd: number, backlog: number): number;
  getsockname(fd: number, addr: Uint8Array, len: Uint8Array): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  getsockopt(fd: number, level: number, name: number, value: Uint8Array, len: Uint8Array): number;
  sendto(
    fd: number,
    buf: Uint8Array,
    n: number,
    flags: number,
    addr: Uint8Array,
    al: number,
  ): number;
  /**
   * `sendto` on one of koffi's worker threads; `done` gets its return value.
   * errno stays on that thread: a caller that needs it calls `sendto` again.
   */
  sendtoAsync(
    fd: number,
    buf: Uint8Array,
    n: number,
    flags: number,
    addr: Uint8Array,
    al: number,
    done: (error: unknown, sent: number) => void,
  ): void;
  recv(fd: number, buf: Uint8Array, len: number, flags: number): number;
  close(fd: number): number;
  setns(fd: number, nstype: number): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
}

let bound: Libc | undefined;

/**
 * libc through koffi, or `unavailable` saying why it could not be loaded (no
 * koffi build for this platform, no `libc.so.6`).
 */
export function loadLibc(): Result<Libc, NetlinkError> {
  if (bound) return ok(bound);
  try {
    const lib = koffi.load('libc.so.6');
    const sendto = lib.func(
      'intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)',
    );
    bound = {
      socket: lib.func('int socket(int, int, int)'),
      bind: lib.func('int bind(int, const void *, uint32_t)'),
      connect: lib.func('int connect(int, const void *, uint32_t)'),
      listen: lib.func('int listen(int, int)'),
      getsockname: lib.func('int getsockname(int, void *, void *)'),
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
      getsockopt: lib.func('int getsockopt(int, int, int, void *, void *)'),
      sendto,
      sendtoAsync: sendto.async,
      recv: lib.func('intptr_t recv(int, void *, size_t, int)'),
      close: lib.func('int close(int)'),
      setns: lib.func('int setns(int, int)'),
      errno: () => koffi.errno(),
    } as Libc;
    return ok(bound);
  } catch (cause) {
    return err(
      netlinkError('unavailable', `cannot load libc via koffi: ${(cause as Error).message}`),
    );
  }
}

/** A 32-bit native-endian integer, as `setsockopt` takes it. */
export const int32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
};
