/**
 * Element-only changes sent straight to nf_tables as ONE netlink batch over a
 * `NETLINK_NETFILTER` socket (libc `socket`/`bind`/`sendto`/`recv` through
 * koffi), bypassing nft and its per-command cache dump of every chain and set.
 * The kernel runs the batch as one transaction and aborts all of it on any
 * error, so a flip stays atomic.
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import koffi from 'koffi';
import { err, ok, type Result } from 'neverthrow';
import type { ElementOp } from '../render/skeleton.js';
import { openNetnsSwitch } from './netns-switch.js';
import { encodeElementBatch } from './nft-elements-encode.js';
import { NETLINK_NETFILTER, NLMSG, SOCK } from './uapi.js';

/** Sends element ops for one `inet` table as a single nf_tables batch. */
export interface NfnetlinkElements {
  /**
   * Applies `ops` (in order) to table `inet <table>` in ONE transaction.
   * Errors: `unsupported` when an op cannot be encoded or the batch does not
   * fit the socket (nothing was sent: use nft instead); `rejected` when the
   * kernel refused the batch (nothing committed; message names the errno);
   * `unavailable` on socket failures; `closed` after `close()`.
   */
  apply(table: string, ops: readonly ElementOp[]): Result<void, BackendError>;
  /** Closes the socket. Idempotent. */
  close(): void;
}

/** Options of `openNfnetlinkElements`. */
export interface NfnetlinkElementsOptions {
  /** Named network namespace (`ip netns add NAME`) to open the socket in. Default: own. */
  readonly netns?: string;
  /** Bound on waiting for the kernel's acknowledgements, ms. Default 5000. */
  readonly timeoutMs?: number;
}

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  sendto(fd: number, b: Uint8Array, n: number, f: number, a: Uint8Array, al: number): number;
  recv(fd: number, buf: Uint8Array, len: number, flags: number): number;
  close(fd: number): number;
}
let libc: Libc | undefined;
const loadLibc = (): Libc => {
  if (!libc) {
    const lib = koffi.load('libc.so.6');
    libc = {
      socket: lib.func('int socket(int, int, int)'),
      bind: lib.func('int bind(int, const void *, uint32_t)'),
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
      sendto: lib.func('intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)'),
      recv: lib.func('intptr_t recv(int, void *, size_t, int)'),
      close: lib.func('int close(int)'),
    } as Libc;
  }
  return libc;
};

const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  11: 'EAGAIN',
  12: 'ENOMEM',
  16: 'EBUSY',
  17: 'EEXIST',
  22: 'EINVAL',
  34: 'ERANGE',
  90: 'EMSGSIZE',
  95: 'EOPNOTSUPP',
  105: 'ENOBUFS',
};
const errnoText = (e: number): string => `errno ${e} (${ERRNO_NAMES[e] ?? 'unknown'})`;

/** `struct sockaddr_nl` of the kernel (family AF_NETLINK, pid 0, groups 0). */
const sockaddrNl = (): Uint8Array => {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setUint16(0, SOCK.AF_NETLINK, true);
  return b;
};
const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};

/**
 * Opens a `NETLINK_NETFILTER` socket (in `netns` when given). Fails with
 * `unavailable` when koffi/libc, the namespace or the socket is unusable.
 */
export function openNfnetlinkElements(
  options: NfnetlinkElementsOptions = {},
): Result<NfnetlinkElements, BackendError> {
  let c: Libc;
  try {
    c = loadLibc();
  } catch (cause) {
    return err(backendError('unavailable', `libc via koffi: ${String(cause)}`, { cause }));
  }
  const create = (): number =>
    c.socket(SOCK.AF_NETLINK, SOCK.SOCK_RAW | SOCK.SOCK_CLOEXEC, NETLINK_NETFILTER);
  let fd: number;
  if (options.netns === undefined) fd = create();
  else {
    const sw = openNetnsSwitch(options.netns);
    if (sw.isErr()) return err(sw.error);
    try {
      fd = sw.value.run(create);
    } finally {
      sw.value.close();
    }
  }
  if (fd < 0)
    return err(
      backendError('unavailable', `socket(NETLINK_NETFILTER): ${errnoText(koffi.errno())}`),
    );
  const timeoutMs = options.timeoutMs ?? 5000;
  const tv = new Uint8Array(16);
  const tvView = new DataView(tv.buffer);
  tvView.setBigInt64(0, BigInt(Math.floor(timeoutMs / 1000)), true);
  tvView.setBigInt64(8, BigInt((timeoutMs % 1000) * 1000), true);
  const setup =
    c.bind(fd, sockaddrNl(), 12) === 0 &&
    c.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_RCVTIMEO, tv, 16) === 0 &&
    c.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_SNDBUF, u32(4 << 20), 4) === 0 &&
    c.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_RCVBUF, u32(1 << 20), 4) === 0 &&
    c.setsockopt(fd, SOCK.SOL_NETLINK, SOCK.NETLINK_CAP_ACK, u32(1), 4) === 0;
  if (!setup) {
    const e = koffi.errno();
    c.close(fd);
    return err(backendError('unavailable', `netlink socket setup: ${errnoText(e)}`));
  }
  let open = true;
  let seq = (Date.now() & 0x3fffffff) >>> 0;
  const buffer = new Uint8Array(256 * 1024);

  /** Reads replies until every message is answered; the first error wins. */
  const collect = (beginSeq: number, pending: Set<number>): Result<void, BackendError> => {
    let failure: BackendError | undefined;
    while (pending.size > 0) {
      const n = c.recv(fd, buffer, buffer.length, 0);
      if (n < 0) {
        const e = koffi.errno();
        if (e === 4) continue; // EINTR
        return err(backendError('unavailable', `netlink recv: ${errnoText(e)} (outcome unknown)`));
      }
      const view = new DataView(buffer.buffer, 0, n);
      for (let at = 0; at + NLMSG.HDRLEN <= n; ) {
        const len = view.getUint32(at, true);
        const type = view.getUint16(at + 4, true);
        const s = view.getUint32(at + 8, true);
        if (len < NLMSG.HDRLEN) break;
        if (type === NLMSG.ERROR && len >= NLMSG.HDRLEN + 4) {
          const code = -view.getInt32(at + NLMSG.HDRLEN, true);
          if (s === beginSeq && code !== 0) {
            return err(backendError('rejected', `nf_tables refused the batch: ${errnoText(code)}`));
          }
          if (pending.delete(s) && code !== 0 && !failure) {
            failure = backendError(
              'rejected',
              `nf_tables refused an element change: ${errnoText(code)}`,
            );
          }
        }
        at += (len + 3) & ~3;
      }
    }
    return failure ? err(failure) : ok(undefined);
  };

  return ok({
    apply(table, ops) {
      if (!open) return err(backendError('closed', 'netlink element path is closed'));
      const batch = encodeElementBatch(table, ops, seq);
      if (batch.isErr()) return err(batch.error);
      seq = (seq + batch.value.messageSeqs.length + 2) & 0x3fffffff;
      if (batch.value.messageSeqs.length === 0) return ok(undefined);
      const { bytes } = batch.value;
      const sent = c.sendto(fd, bytes, bytes.length, 0, sockaddrNl(), 12);
      if (sent < 0) {
        const e = koffi.errno();
        // Too big for one datagram: nothing reached the kernel, nft can do it.
        if (e === 90 || e === 105 || e === 12) {
          return err(
            backendError('unsupported', `netlink batch of ${bytes.length} bytes: ${errnoText(e)}`),
          );
        }
        return err(backendError('unavailable', `netlink sendto: ${errnoText(e)}`));
      }
      return collect(batch.value.beginSeq, new Set(batch.value.messageSeqs));
    },
    close() {
      if (!open) return;
      open = false;
      c.close(fd);
    },
  });
}
