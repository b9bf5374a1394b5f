/**
 * A lock that the kernel releases when its holder dies, however it dies
 * (`kill -9` included): a unix socket bound to a name in the ABSTRACT
 * namespace (`\0name`, unix(7)). Abstract names belong to a network
 * namespace, so a lock taken in the namespace of a table or an IPVS instance
 * is exactly as wide as the kernel state it guards. No file is left behind,
 * nothing goes stale: the name is free the moment the last descriptor of the
 * socket closes. The socket is close-on-exec, so spawned tools never hold it.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { errnoError, type NetlinkError, netlinkError } from './errors.js';
import { int32, loadLibc } from './libc.js';
import { inNetns } from './netns.js';
import { ERRNO, SOCKET } from './uapi.js';

/** `SOCK_NONBLOCK` (`<bits/socket_type.h>`): the holder probe never blocks. */
const SOCK_NONBLOCK = 0o4000;
/** `sizeof(sun_path)` of `struct sockaddr_un`. */
const SUN_PATH = 108;

/** A held lock. */
export interface AbstractLock {
  /** The abstract name (without the leading NUL). */
  readonly name: string;
  /** Frees the name. Idempotent. */
  release(): void;
}

/** Why a lock could not be taken: `busy` = another live process holds it. */
export interface LockError extends Omit<NetlinkError, 'kind'> {
  readonly kind: NetlinkError['kind'] | 'busy';
  /** Pid of the holder when it could be asked (`SO_PEERCRED`), for `busy`. */
  readonly holderPid?: number;
}

/** Options of `acquireAbstractLock`. */
export interface AbstractLockOptions {
  /** Network namespace whose abstract names the lock lives in. Default: the own one. */
  readonly netns?: string;
}

function sockaddrUn(name: string): Uint8Array | undefined {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length > SUN_PATH - 1) return undefined;
  const addr = new Uint8Array(2 + 1 + bytes.length);
  new DataView(addr.buffer).setUint16(0, SOCKET.AF_UNIX, true);
  addr.set(bytes, 3); // sun_path[0] = 0: abstract
  return addr;
}

/**
 * Takes the lock `name` (e.g. `lbkit/nftables/inet/lbkit`) in `netns`. Errors:
 * `busy` (held by a live process; `holderPid` when known), `invalid` (empty
 * or longer than 107 bytes), `unavailable` (no libc), `not-found` (netns).
 */
export function acquireAbstractLock(
  name: string,
  options: AbstractLockOptions = {},
): Result<AbstractLock, LockError> {
  const addr = sockaddrUn(name);
  if (!addr)
    return err(netlinkError('invalid', `lock name ${JSON.stringify(name)} is empty or too long`));
  const libc = loadLibc();
  if (libc.isErr()) return err(libc.error);
  const c = libc.value;
  const held = inNetns(options.netns, (): Result<number, LockError> => {
    const fd = c.socket(SOCKET.AF_UNIX, SOCKET.SOCK_STREAM | SOCKET.SOCK_CLOEXEC, 0);
    if (fd < 0) return err(errnoError(c.errno(), 'socket(AF_UNIX)'));
    if (c.bind(fd, addr, addr.length) === 0 && c.listen(fd, 16) === 0) return ok(fd);
    const errno = c.errno();
    c.close(fd);
    if (errno !== ERRNO.EADDRINUSE) return err(errnoError(errno, `bind @${name}`));
    const holderPid = askHolder(addr);
    return err({
      kind: 'busy',
      message: `lock @${name} is held by ${holderPid === undefined ? 'another process' : `process ${holderPid}`}`,
      errno,
      ...(holderPid === undefined ? {} : { holderPid }),
    });
  });
  if (held.isErr()) return err(held.error);
  const fd = held.value;
  let open = true;
  return ok({
    name,
    release() {
      if (!open) return;
      open = false;
      c.close(fd);
    },
  });

  /** The holder's pid via SO_PEERCRED on a non-blocking connect; undefined when it cannot tell. */
  function askHolder(address: Uint8Array): number | undefined {
    const probe = c.socket(
      SOCKET.AF_UNIX,
      SOCKET.SOCK_STREAM | SOCKET.SOCK_CLOEXEC | SOCK_NONBLOCK,
      0,
    );
    if (probe < 0) return undefined;
    try {
      if (c.connect(probe, address, address.length) !== 0) return undefined;
      const cred = new Uint8Array(12); // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
      const len = int32(12);
      if (c.getsockopt(probe, SOCKET.SOL_SOCKET, SOCKET.SO_PEERCRED, cred, len) !== 0) {
        return undefined;
      }
      const pid = new DataView(cred.buffer).getInt32(0, true);
      return pid > 0 ? pid : undefined;
    } finally {
      c.close(probe);
    }
  }
}

/**
 * What to tell when `what` (`table inet nft_lb`) cannot be locked: `busy`
 * with the holder's pid when another process has it ("... is managed by
 * another lbkit (pid 1234): one daemon per table"), else `unavailable`.
 */
export function lockRefusal(
  what: string,
  unit: string,
  e: LockError,
): { readonly kind: 'busy' | 'unavailable'; readonly message: string } {
  if (e.kind !== 'busy') return { kind: 'unavailable', message: `lock of ${what}: ${e.message}` };
  const holder = e.holderPid === undefined ? 'process' : `(pid ${e.holderPid})`;
  return {
    kind: 'busy',
    message: `${what} is managed by another lbkit ${holder}: one daemon per ${unit}`,
  };
}
