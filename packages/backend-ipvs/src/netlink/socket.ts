import { closeSync, openSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { ERRNO, SOCKET } from '../uapi.js';
import { errnoError, type NetlinkError, netlinkError } from './errors.js';

/**
 * A datagram transport to the kernel: send one request, receive one datagram.
 * The real one is a raw AF_NETLINK socket; tests substitute an in-memory kernel.
 */
export interface NetlinkTransport {
  /** Netlink port id the kernel assigned to this socket (0 for fakes that do not care). */
  readonly portId: number;
  send(datagram: Uint8Array): Result<void, NetlinkError>;
  /** Blocks until one datagram arrives or the receive timeout passes (`timeout`). */
  receive(): Result<Uint8Array, NetlinkError>;
  close(): void;
}

/** Options for `openNetlinkSocket`. */
export interface NetlinkSocketOptions {
  /** Netlink protocol. Default NETLINK_GENERIC (16). */
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

interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Uint8Array, len: number): number;
  getsockname(fd: number, addr: Uint8Array, len: Uint8Array): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, len: number): number;
  sendto(
    fd: number,
    buf: Uint8Array,
    len: number,
    flags: number,
    addr: Uint8Array,
    alen: number,
  ): number;
  recv(fd: number, buf: Uint8Array, len: number, flags: number): number;
  close(fd: number): number;
  setns(fd: number, nstype: number): number;
  errno(): number;
}

let libc: Libc | undefined;

async function loadLibc(): Promise<Libc> {
  if (libc) return libc;
  const koffi = (await import('koffi')).default;
  const lib = koffi.load('libc.so.6');
  libc = {
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    getsockname: lib.func('int getsockname(int, void *, void *)'),
    setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)'),
    sendto: lib.func('intptr_t sendto(int, const void *, size_t, int, const void *, uint32_t)'),
    recv: lib.func('intptr_t recv(int, void *, size_t, int)'),
    close: lib.func('int close(int)'),
    setns: lib.func('int setns(int, int)'),
    errno: () => koffi.errno(),
  } as Libc;
  return libc;
}

const int32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
};

/** struct sockaddr_nl { sa_family_t nl_family; u16 pad; u32 nl_pid; u32 nl_groups; } */
const sockaddrNl = (): Uint8Array => {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setUint16(0, SOCKET.AF_NETLINK, true);
  return b;
};

function nsPath(netns: string): string {
  return netns.startsWith('/') ? netns : `/run/netns/${netns}`;
}

function createIn(
  c: Libc,
  protocol: number,
  netns: string | undefined,
): Result<number, NetlinkError> {
  const create = (): Result<number, NetlinkError> => {
    const fd = c.socket(SOCKET.AF_NETLINK, SOCKET.SOCK_RAW | SOCKET.SOCK_CLOEXEC, protocol);
    return fd < 0 ? err(errnoError(c.errno(), 'socket(AF_NETLINK)')) : ok(fd);
  };
  if (netns === undefined) return create();
  let home: number;
  let target: number;
  try {
    home = openSync('/proc/thread-self/ns/net', 'r');
  } catch (error) {
    return err(netlinkError('io', `cannot open own netns: ${(error as Error).message}`));
  }
  try {
    target = openSync(nsPath(netns), 'r');
  } catch (error) {
    closeSync(home);
    return err(netlinkError('not-found', `netns ${netns}: ${(error as Error).message}`));
  }
  try {
    if (c.setns(target, SOCKET.CLONE_NEWNET) < 0)
      return err(errnoError(c.errno(), `setns ${netns}`));
    const fd = create();
    if (c.setns(home, SOCKET.CLONE_NEWNET) < 0) {
      // Leaving the thread in another namespace would be worse than failing loudly.
      throw new Error(`setns back to the original namespace failed: errno ${c.errno()}`);
    }
    return fd;
  } finally {
    closeSync(target);
    closeSync(home);
  }
}

/** libc through koffi, or an `unavailable` error saying why it could not be loaded. */
async function libcOrError(): Promise<Result<Libc, NetlinkError>> {
  try {
    return ok(await loadLibc());
  } catch (error) {
    return err(
      netlinkError('unavailable', `cannot load libc via koffi: ${(error as Error).message}`),
    );
  }
}

/**
 * Moves the calling thread (the JS main thread) into a network namespace, so
 * sockets created afterwards (probes, servers) live there; returns a function
 * that moves it back. For tests and tools that must act from the balancer's
 * namespace. Errors: `not-found` (no such netns), `permission`, `unavailable`.
 */
export async function enterNetworkNamespace(
  netns: string,
): Promise<Result<() => Result<void, NetlinkError>, NetlinkError>> {
  const libc = await libcOrError();
  if (libc.isErr()) return err(libc.error);
  const c = libc.value;
  let home: number;
  try {
    home = openSync('/proc/thread-self/ns/net', 'r');
  } catch (error) {
    return err(netlinkError('io', `cannot open own netns: ${(error as Error).message}`));
  }
  let target: number;
  try {
    target = openSync(nsPath(netns), 'r');
  } catch (error) {
    closeSync(home);
    return err(netlinkError('not-found', `netns ${netns}: ${(error as Error).message}`));
  }
  const entered = c.setns(target, SOCKET.CLONE_NEWNET);
  const errno = c.errno();
  closeSync(target);
  if (entered < 0) {
    closeSync(home);
    return err(errnoError(errno, `setns ${netns}`));
  }
  let back = false;
  return ok(() => {
    if (back) return ok(undefined);
    back = true;
    const r = c.setns(home, SOCKET.CLONE_NEWNET);
    const e = c.errno();
    closeSync(home);
    return r < 0 ? err(errnoError(e, 'setns back')) : ok(undefined);
  });
}

/**
 * Opens a raw netlink socket through libc (koffi): socket, bind (kernel picks the
 * port id), SO_RCVTIMEO, SO_RCVBUF. Calls block the calling thread for the
 * duration of one request (microseconds) and at most `receiveTimeoutMs`.
 * Errors: `unavailable` (koffi or libc missing), `permission`, `io`, `not-found` (netns).
 */
export async function openNetlinkSocket(
  options: NetlinkSocketOptions = {},
): Promise<Result<NetlinkTransport, NetlinkError>> {
  const libc = await libcOrError();
  if (libc.isErr()) return err(libc.error);
  const c = libc.value;
  const created = createIn(c, options.protocol ?? SOCKET.NETLINK_GENERIC, options.netns);
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

  return ok({
    portId,
    send(datagram) {
      if (!open) return err(netlinkError('closed', 'netlink socket is closed'));
      const sent = c.sendto(fd, datagram, datagram.length, 0, kernel, kernel.length);
      if (sent < 0) return err(errnoError(c.errno(), 'sendto'));
      if (sent !== datagram.length) return err(netlinkError('io', `short send ${sent}`));
      return ok(undefined);
    },
    receive() {
      if (!open) return err(netlinkError('closed', 'netlink socket is closed'));
      for (let attempt = 0; attempt < 100; attempt++) {
        const n = c.recv(fd, buffer, buffer.length, SOCKET.MSG_TRUNC);
        if (n >= 0) {
          if (n > buffer.length) {
            return err(netlinkError('io', `datagram of ${n} bytes truncated to ${buffer.length}`));
          }
          return ok(buffer.slice(0, n));
        }
        const errno = c.errno();
        if (errno === ERRNO.EINTR) continue;
        if (errno === ERRNO.EAGAIN)
          return err(netlinkError('timeout', `no reply within ${timeoutMs} ms`));
        return err(errnoError(errno, 'recv'));
      }
      return err(netlinkError('io', 'recv interrupted too often'));
    },
    close() {
      if (!open) return;
      open = false;
      c.close(fd);
    },
  });
}
