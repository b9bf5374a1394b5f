/**
 * A raw netlink socket through libc (koffi): the one OS object every netlink
 * user of lbkit sends through. Behind the `NetlinkSocket` interface so that
 * tests substitute an in-memory kernel.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { errnoError, type NetlinkError, netlinkError } from './errors.js';
import { int32, loadLibc } from './libc.js';
import { inNetns } from './netns.js';
import { ERRNO, SOCKET } from './uapi.js';

/** Options of `NetlinkSocket.receive`. */
export interface ReceiveOptions {
  /** Block up to the receive timeout (default). `false`: take only what is queued. */
  readonly wait?: boolean;
}

/**
 * A datagram socket to the kernel: send one datagram, receive one datagram.
 * The real one is a raw AF_NETLINK socket; tests substitute an in-memory kernel.
 */
export interface NetlinkSocket {
  /** Netlink port id the kernel assigned to this socket (0 for fakes that do not care). */
  readonly portId: number;
  /** Sends one datagram. Errors carry the errno (`EMSGSIZE`, `ENOBUFS`: too large to send). */
  send(datagram: Uint8Array): Result<void, NetlinkError>;
  /**
   * `send` on another thread: the kernel handles a netlink datagram inside
   * the send (an nf_tables batch of 10,000 services takes about half a
   * second), and the event loop runs meanwhile. `datagram` must not change
   * until it resolves. Same errors as `send`. Optional: fakes may lack it.
   */
  sendAsync?(datagram: Uint8Array): Promise<Result<void, NetlinkError>>;
  /**
   * One datagram. Errors: `timeout` when nothing arrived within the receive
   * timeout (or nothing is queued with `wait: false`); `io` with errno
   * `ENOBUFS` when the kernel dropped replies (receive queue full).
   */
  receive(options?: ReceiveOptions): Result<Uint8Array, NetlinkError>;
  /** Makes the send buffer hold one datagram of `bytes` (SO_SNDBUFFORCE as root, else SO_SNDBUF). */
  reserveSendBuffer?(bytes: number): void;
  close(): void;
}

/** Options for `openNetlinkSocket`. */
export interface NetlinkSocketOptions {
  /** Netlink protocol (`SOCKET.NETLINK_GENERIC`, `SOCKET.NETLINK_NETFILTER`). Default NETLINK_GENERIC. */
  readonly protocol?: number;
  /**
   * Network namespace to open the socket in: a name under `/run/netns` (as made by
   * `ip netns add`) or an absolute path such as `/proc/PID/ns/net`. The calling
   * thread enters it just long enough to create the socket, then returns; the
   * socket stays bound to that namespace. Default: the current namespace.
   */
  readonly netns?: string;
  /** Bound on each blocking receive, ms. Default 5000. */
  readonly receiveTimeoutMs?: number;
  /** SO_RCVBUF in bytes (large dumps). Default 4 MiB (the kernel caps it at rmem_max). */
  readonly receiveBufferBytes?: number;
  /** Size of the buffer one receive reads into. Default 256 KiB. */
  readonly datagramBytes?: number;
}

/** struct sockaddr_nl { sa_family_t nl_family; u16 pad; u32 nl_pid; u32 nl_groups; } */
const sockaddrNl = (): Uint8Array => {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setUint16(0, SOCKET.AF_NETLINK, true);
  return b;
};

/**
 * Opens a raw netlink socket: socket (in `netns`), bind (the kernel picks the
 * port id), SO_RCVTIMEO, SO_RCVBUF, extended and capped acks. Calls block the
 * calling thread for one request (microseconds) and at most `receiveTimeoutMs`.
 * Errors: `unavailable` (koffi or libc missing), `permission`, `io`,
 * `invalid` / `not-found` (netns).
 */
export function openNetlinkSocket(
  options: NetlinkSocketOptions = {},
): Result<NetlinkSocket, NetlinkError> {
  const libc = loadLibc();
  if (libc.isErr()) return err(libc.error);
  const c = libc.value;
  const protocol = options.protocol ?? SOCKET.NETLINK_GENERIC;
  const created = inNetns(options.netns, () => {
    const fd = c.socket(SOCKET.AF_NETLINK, SOCKET.SOCK_RAW | SOCKET.SOCK_CLOEXEC, protocol);
    return fd < 0 ? err(errnoError(c.errno(), 'socket(AF_NETLINK)')) : ok(fd);
  });
  if (created.isErr()) return err(created.error);
  const fd = created.value;
  const fail = (what: string): Result<never, NetlinkError> => {
    const e = errnoError(c.errno(), what);
    c.close(fd);
    return err(e);
  };
  const timeoutMs = options.receiveTimeoutMs ?? 5000;
  const timeval = new Uint8Array(16);
  const tv = new DataView(timeval.buffer);
  tv.setBigInt64(0, BigInt(Math.floor(timeoutMs / 1000)), true);
  tv.setBigInt64(8, BigInt((timeoutMs % 1000) * 1000), true);
  if (c.setsockopt(fd, SOCKET.SOL_SOCKET, SOCKET.SO_RCVTIMEO, timeval, 16) < 0) {
    return fail('setsockopt(SO_RCVTIMEO)');
  }
  const rcvbuf = int32(options.receiveBufferBytes ?? 4 * 1024 * 1024);
  if (c.setsockopt(fd, SOCKET.SOL_SOCKET, SOCKET.SO_RCVBUF, rcvbuf, 4) < 0) {
    return fail('setsockopt(SO_RCVBUF)');
  }
  // Extended acks carry the kernel's reason text; capped acks skip echoing the request.
  c.setsockopt(fd, SOCKET.SOL_NETLINK, SOCKET.NETLINK_EXT_ACK, int32(1), 4);
  c.setsockopt(fd, SOCKET.SOL_NETLINK, SOCKET.NETLINK_CAP_ACK, int32(1), 4);
  const local = sockaddrNl();
  if (c.bind(fd, local, local.length) < 0) return fail('bind');
  const nameLen = int32(12);
  if (c.getsockname(fd, local, nameLen) < 0) return fail('getsockname');
  const portId = new DataView(local.buffer).getUint32(4, true);
  const kernel = sockaddrNl();
  const buffer = new Uint8Array(options.datagramBytes ?? 256 * 1024);
  let open = true;
  /** Sends running on another thread: the descriptor is closed only after them. */
  let inFlight = 0;
  /** Send buffer size asked for so far (the kernel keeps at least this much). */
  let sndbuf = 0;
  const closed = () => err(netlinkError('closed', 'netlink socket is closed'));
  const sentAll = (sent: number, datagram: Uint8Array): Result<void, NetlinkError> =>
    sent === datagram.length ? ok(undefined) : err(netlinkError('io', `short send ${sent}`));
  const send = (datagram: Uint8Array): Result<void, NetlinkError> => {
    if (!open) return closed();
    const sent = c.sendto(fd, datagram, datagram.length, 0, kernel, kernel.length);
    if (sent < 0) return err(errnoError(c.errno(), 'sendto'));
    return sentAll(sent, datagram);
  };

  return ok({
    portId,
    send,
    sendAsync(datagram) {
      if (!open) return Promise.resolve(closed());
      inFlight++;
      return new Promise((resolve) => {
        c.sendtoAsync(fd, datagram, datagram.length, 0, kernel, kernel.length, (error, sent) => {
          inFlight--;
          if (!open) {
            if (inFlight === 0) c.close(fd);
            resolve(error || sent < 0 ? closed() : sentAll(sent, datagram));
            return;
          }
          if (!error && sent >= 0) resolve(sentAll(sent, datagram));
          // errno stayed on the worker thread. A netlink send that failed
          // reached nothing (the kernel runs a datagram only once it is
          // taken), so sending it once more here is safe and tells the errno.
          else resolve(send(datagram));
        });
      });
    },
    receive(receiveOptions = {}) {
      if (!open) return err(netlinkError('closed', 'netlink socket is closed'));
      const flags = SOCKET.MSG_TRUNC | (receiveOptions.wait === false ? SOCKET.MSG_DONTWAIT : 0);
      for (let attempt = 0; attempt < 100; attempt++) {
        const n = c.recv(fd, buffer, buffer.length, flags);
        if (n >= 0) {
          if (n > buffer.length) {
            return err(netlinkError('io', `datagram of ${n} bytes truncated to ${buffer.length}`));
          }
          return ok(buffer.slice(0, n));
        }
        const errno = c.errno();
        if (errno === ERRNO.EINTR) continue;
        if (errno === ERRNO.EAGAIN) {
          return err(
            netlinkError(
              'timeout',
              receiveOptions.wait === false ? 'nothing queued' : `no reply within ${timeoutMs} ms`,
            ),
          );
        }
        return err({ ...errnoError(errno, 'recv'), kind: 'io' });
      }
      return err(netlinkError('io', 'recv interrupted too often'));
    },
    reserveSendBuffer(bytes) {
      const want = Math.max(bytes + 64 * 1024, 4 << 20);
      if (!open || want <= sndbuf) return;
      if (c.setsockopt(fd, SOCKET.SOL_SOCKET, SOCKET.SO_SNDBUFFORCE, int32(want), 4) !== 0) {
        c.setsockopt(fd, SOCKET.SOL_SOCKET, SOCKET.SO_SNDBUF, int32(want), 4);
      }
      sndbuf = want;
    },
    close() {
      if (!open) return;
      open = false;
      if (inFlight === 0) c.close(fd);
    },
  });
}
