/**
 * Sends encoded nf_tables batches (`encodeBatch`) straight to the kernel over a
 * `NETLINK_NETFILTER` socket (libc `socket`/`bind`/`setsockopt`/`sendto`/`recv`
 * through koffi), bypassing nft: no text parsing, no cache dump of every chain
 * and set before each command. The kernel runs the batch as one transaction,
 * aborts all of it on any error, and processes it inside `sendto`, so every
 * reply is queued when `sendto` returns.
 * @module
 */
import { type BackendError, backendError } from '@lbkit/core';
import koffi from 'koffi';
import { err, ok, type Result } from 'neverthrow';
import { openNetnsSwitch } from './netns-switch.js';
import type { NftBatch } from './nft-batch-encode.js';
import { NETLINK_NETFILTER, NLMSG, SOCK } from './uapi.js';

/** A socket that applies nf_tables batches. */
export interface NfnetlinkSocket {
  /**
   * Sends `batch` and waits for the kernel's verdict. Errors: `rejected` when
   * the kernel refused it (nothing committed; the message names the errno);
   * `unsupported` when it cannot be sent at all (too large: nothing reached the
   * kernel); `unavailable` on socket failures (outcome unknown); `closed`.
   */
  send(batch: NftBatch): Result<void, BackendError>;
  /** Closes the socket. Idempotent. */
  close(): void;
}

/** Options of `openNfnetlink`. */
export interface NfnetlinkOptions {
  /** Named network namespace (`ip netns add NAME`) to open the socket in. Default: own. */
  readonly netns?: string;
  /** Bound on waiting for the kernel's reply, ms. Default 5000. */
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
  40: 'ELOOP',
  90: 'EMSGSIZE',
  95: 'EOPNOTSUPP',
  105: 'ENOBUFS',
};
const errnoText = (e: number): string => `errno ${e} (${ERRNO_NAMES[e] ?? 'unknown'})`;
const EINTR = 4;
const EAGAIN = 11;
const ENOBUFS = 105;
/** `MSG_DONTWAIT` (`<bits/socket.h>`). */
const MSG_DONTWAIT = 0x40;

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

/** What the replies to one batch said. */
interface Verdict {
  /** The last message's ACK (or error) arrived. */
  done: boolean;
  failure: BackendError | undefined;
}

/**
 * Folds the messages of one `recv` into `verdict`. Replies outside the batch's
 * sequence range (left over from an earlier batch) are ignored.
 */
function readReplies(view: DataView, n: number, batch: NftBatch, verdict: Verdict): void {
  const last = batch.lastSeq ?? batch.beginSeq;
  for (let at = 0; at + NLMSG.HDRLEN <= n; ) {
    const len = view.getUint32(at, true);
    if (len < NLMSG.HDRLEN) return;
    const type = view.getUint16(at + 4, true);
    const seq = view.getUint32(at + 8, true);
    const ours = seq >= batch.beginSeq && seq <= last;
    if (ours && type === NLMSG.ERROR && len >= NLMSG.HDRLEN + 4) {
      const code = -view.getInt32(at + NLMSG.HDRLEN, true);
      if (code !== 0 && !verdict.failure) {
        const which =
          seq === batch.beginSeq
            ? 'the batch'
            : `message ${seq - batch.beginSeq} of ${batch.messages}`;
        verdict.failure = backendError(
          'rejected',
          `nf_tables refused ${which}: ${errnoText(code)}`,
        );
      }
      if (seq === batch.lastSeq) verdict.done = true;
    }
    at += (len + 3) & ~3;
  }
}

/**
 * Opens a `NETLINK_NETFILTER` socket (in `netns` when given). Fails with
 * `unavailable` when koffi/libc, the namespace or the socket is unusable.
 */
export function openNfnetlink(
  options: NfnetlinkOptions = {},
): Result<NfnetlinkSocket, BackendError> {
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
  if (fd < 0) {
    return err(
      backendError('unavailable', `socket(NETLINK_NETFILTER): ${errnoText(koffi.errno())}`),
    );
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const tv = new Uint8Array(16);
  const tvView = new DataView(tv.buffer);
  tvView.setBigInt64(0, BigInt(Math.floor(timeoutMs / 1000)), true);
  tvView.setBigInt64(8, BigInt((timeoutMs % 1000) * 1000), true);
  const setup =
    c.bind(fd, sockaddrNl(), 12) === 0 &&
    c.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_RCVTIMEO, tv, 16) === 0 &&
    c.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_RCVBUF, u32(1 << 20), 4) === 0 &&
    c.setsockopt(fd, SOCK.SOL_NETLINK, SOCK.NETLINK_CAP_ACK, u32(1), 4) === 0;
  if (!setup) {
    const e = koffi.errno();
    c.close(fd);
    return err(backendError('unavailable', `netlink socket setup: ${errnoText(e)}`));
  }
  let open = true;
  /** Send buffer size asked for so far (the kernel keeps at least this much). */
  let sndbuf = 0;
  const buffer = new Uint8Array(256 * 1024);
  const view = new DataView(buffer.buffer);

  /** Makes the send buffer hold `bytes` (one datagram): SO_SNDBUFFORCE as root, else SO_SNDBUF. */
  const growSendBuffer = (bytes: number): void => {
    const want = Math.max(bytes + 64 * 1024, 4 << 20);
    if (want <= sndbuf) return;
    if (c.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_SNDBUFFORCE, u32(want), 4) !== 0) {
      c.setsockopt(fd, SOCK.SOL_SOCKET, SOCK.SO_SNDBUF, u32(want), 4);
    }
    sndbuf = want;
  };

  return ok({
    send(batch) {
      if (!open) return err(backendError('closed', 'nf_tables netlink socket is closed'));
      if (batch.lastSeq === undefined) return ok(undefined);
      growSendBuffer(batch.bytes.length);
      const { bytes } = batch;
      const sent = c.sendto(fd, bytes, bytes.length, 0, sockaddrNl(), 12);
      if (sent < 0) {
        const e = koffi.errno();
        // Too big for one datagram: nothing reached the kernel, nft can do it.
        if (e === 90 || e === ENOBUFS || e === 12) {
          return err(
            backendError('unsupported', `netlink batch of ${bytes.length} bytes: ${errnoText(e)}`),
          );
        }
        return err(backendError('unavailable', `netlink sendto: ${errnoText(e)}`));
      }
      // The kernel processed the batch inside sendto: every reply is queued now.
      // Without an error, wait (bounded) for the last message's ACK; after an
      // error, take what is queued (a batch-level ENOMEM sends nothing more).
      const verdict: Verdict = { done: false, failure: undefined };
      while (!verdict.done) {
        const n = c.recv(fd, buffer, buffer.length, verdict.failure ? MSG_DONTWAIT : 0);
        if (n < 0) {
          const e = koffi.errno();
          if (e === EINTR) continue;
          if (e === EAGAIN && verdict.failure) break;
          // Replies were dropped (receive queue full): only errors queue up, so it failed.
          if (e === ENOBUFS) {
            return err(
              verdict.failure ??
                backendError('rejected', `nf_tables replies lost: ${errnoText(e)}`),
            );
          }
          return err(
            backendError('unavailable', `netlink recv: ${errnoText(e)} (outcome unknown)`),
          );
        }
        readReplies(view, n, batch, verdict);
      }
      return verdict.failure ? err(verdict.failure) : ok(undefined);
    },
    close() {
      if (!open) return;
      open = false;
      c.close(fd);
    },
  });
}
