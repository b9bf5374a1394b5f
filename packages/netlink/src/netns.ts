/**
 * Named network namespaces (`ip netns add NAME`): validating a name, running
 * synchronous code inside one on the calling thread (`setns(2)` there and
 * back), and moving the main thread for tests that need in-process sockets
 * there. Sockets created inside a namespace stay in it for their lifetime.
 * @module
 */
import { closeSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { errnoError, type NetlinkError, netlinkError } from './errors.js';
import { loadLibc } from './libc.js';
import { NETNS_RUN_DIR, SOCKET } from './uapi.js';

/** A namespace name as `ip netns` takes it: letters, digits, `_.-`, at most 64, no `/`. */
export const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** `/run/netns/NAME` for a name, or the path itself when absolute (`/proc/PID/ns/net`). */
export function netnsPath(netns: string): Result<string, NetlinkError> {
  if (netns.startsWith('/')) return ok(netns);
  if (!NETNS_NAME.test(netns)) {
    return err(netlinkError('invalid', `invalid network namespace name ${JSON.stringify(netns)}`));
  }
  return ok(join(NETNS_RUN_DIR, netns));
}

/**
 * Runs synchronous code inside a network namespace on the calling thread.
 * Only for synchronous (FFI) work: no JavaScript callback may run in between,
 * and libuv's worker threads are NOT moved.
 */
export interface NetnsSwitch {
  /** The namespace name or path. */
  readonly name: string;
  /** Runs `fn` inside the namespace and switches back even when it throws. */
  run<T>(fn: () => T): T;
  /** Closes the namespace file descriptors. Idempotent. */
  close(): void;
}

/**
 * Opens the namespace and this thread's own so `run()` can switch between
 * them (checked once here). Errors: `invalid` (name), `not-found` (no such
 * namespace), `permission` (`setns` needs CAP_SYS_ADMIN), `unavailable` (no libc).
 */
export function openNetnsSwitch(netns: string): Result<NetnsSwitch, NetlinkError> {
  const path = netnsPath(netns);
  if (path.isErr()) return err(path.error);
  const libc = loadLibc();
  if (libc.isErr()) return err(libc.error);
  const c = libc.value;
  let target: number;
  try {
    target = openSync(path.value, 'r');
  } catch (cause) {
    return err(
      netlinkError('not-found', `network namespace ${netns}: ${(cause as Error).message}`),
    );
  }
  let home: number;
  try {
    home = openSync('/proc/thread-self/ns/net', 'r');
  } catch (cause) {
    closeSync(target);
    return err(netlinkError('io', `own network namespace: ${(cause as Error).message}`));
  }
  if (c.setns(target, SOCKET.CLONE_NEWNET) !== 0) {
    const e = errnoError(c.errno(), `setns ${netns}`);
    closeSync(target);
    closeSync(home);
    return err(e);
  }
  if (c.setns(home, SOCKET.CLONE_NEWNET) !== 0) process.abort();
  let open = true;
  return ok({
    name: netns,
    run<T>(fn: () => T): T {
      if (!open) throw new Error(`netns switch ${netns} is closed`);
      if (c.setns(target, SOCKET.CLONE_NEWNET) !== 0) {
        throw new Error(`setns(${netns}) failed: errno ${c.errno()}`);
      }
      try {
        return fn();
      } finally {
        // Staying in the wrong namespace would act on the wrong ruleset: stop hard.
        if (c.setns(home, SOCKET.CLONE_NEWNET) !== 0) process.abort();
      }
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(target);
      closeSync(home);
    },
  });
}

/** Runs `fn` in `netns` (when given) through a switch opened and closed around it. */
export function inNetns<T, E>(
  netns: string | undefined,
  fn: () => Result<T, E>,
): Result<T, E | NetlinkError> {
  if (netns === undefined) return fn();
  const sw = openNetnsSwitch(netns);
  if (sw.isErr()) return err(sw.error);
  try {
    return sw.value.run(fn);
  } finally {
    sw.value.close();
  }
}

/**
 * Moves the calling thread (the JS main thread) into a network namespace, so
 * sockets created afterwards (probes, servers) live there; returns the
 * function that moves it back. For tests and tools that must act from the
 * balancer's namespace. Same errors as `openNetnsSwitch`.
 */
export function enterNetworkNamespace(
  netns: string,
): Result<() => Result<void, NetlinkError>, NetlinkError> {
  const path = netnsPath(netns);
  if (path.isErr()) return err(path.error);
  const libc = loadLibc();
  if (libc.isErr()) return err(libc.error);
  const c = libc.value;
  let home: number;
  try {
    home = openSync('/proc/thread-self/ns/net', 'r');
  } catch (cause) {
    return err(netlinkError('io', `own network namespace: ${(cause as Error).message}`));
  }
  let target: number;
  try {
    target = openSync(path.value, 'r');
  } catch (cause) {
    closeSync(home);
    return err(
      netlinkError('not-found', `network namespace ${netns}: ${(cause as Error).message}`),
    );
  }
  const entered = c.setns(target, SOCKET.CLONE_NEWNET);
  const errno = c.errno();
  closeSync(target);
  if (entered < 0) {
    closeSync(home);
    return err(errnoError(errno, `setns ${netns}`));
  }
  // Verified, so that nothing ever runs against the host's namespace by mistake.
  if (statSync('/proc/thread-self/ns/net').ino !== statSync(path.value).ino) {
    c.setns(home, SOCKET.CLONE_NEWNET);
    closeSync(home);
    return err(netlinkError('io', `setns ${netns} did not take effect`));
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
