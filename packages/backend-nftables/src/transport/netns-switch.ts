import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendError, backendError } from '@lbkit/core';
import koffi from 'koffi';
import { err, ok, type Result } from 'neverthrow';
import { CLONE_NEWNET, NETNS_RUN_DIR } from './uapi.js';

/** A named network namespace (`ip netns add NAME`): letters, digits, `_.-`, max 64. */
export const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Runs synchronous code inside a named network namespace on the calling (main)
 * thread: `setns(2)` into the namespace, run, `setns(2)` back, always. Sockets
 * opened inside stay in that namespace for their lifetime. Only for synchronous
 * FFI calls: no JavaScript callback may run in between, and libuv's worker
 * threads are NOT moved (so never use it around async work).
 */
export interface NetnsSwitch {
  /** The namespace name. */
  readonly name: string;
  /** Runs `fn` inside the namespace and switches back even when it throws. */
  run<T>(fn: () => T): T;
  /** Closes the namespace file descriptors. Idempotent. */
  close(): void;
}

type SetnsFn = (fd: number, nstype: number) => number;
let setnsFn: SetnsFn | undefined;

function loadSetns(): SetnsFn {
  if (!setnsFn) {
    const libc = koffi.load('libc.so.6');
    setnsFn = libc.func('int setns(int fd, int nstype)') as SetnsFn;
  }
  return setnsFn;
}

/**
 * Opens `/var/run/netns/NAME` and this thread's own namespace so `run()` can
 * switch between them. Fails with `unavailable` when the namespace does not
 * exist or `setns` is not permitted (needs CAP_SYS_ADMIN).
 */
export function openNetnsSwitch(name: string): Result<NetnsSwitch, BackendError> {
  if (!NETNS_NAME.test(name)) {
    return err(
      backendError('unavailable', `invalid network namespace name ${JSON.stringify(name)}`),
    );
  }
  let setns: SetnsFn;
  let target: number;
  let home: number;
  try {
    setns = loadSetns();
    target = openSync(join(NETNS_RUN_DIR, name), 'r');
  } catch (cause) {
    return err(
      backendError('unavailable', `network namespace ${name}: ${String(cause)}`, { cause }),
    );
  }
  try {
    home = openSync('/proc/thread-self/ns/net', 'r');
  } catch (cause) {
    closeSync(target);
    return err(backendError('unavailable', `own network namespace: ${String(cause)}`, { cause }));
  }
  if (setns(target, CLONE_NEWNET) !== 0 || setns(home, CLONE_NEWNET) !== 0) {
    closeSync(target);
    closeSync(home);
    return err(backendError('unavailable', `setns(${name}) failed: errno ${koffi.errno()}`));
  }
  let open = true;
  return ok({
    name,
    run<T>(fn: () => T): T {
      if (!open) throw new Error(`netns switch ${name} is closed`);
      if (setns(target, CLONE_NEWNET) !== 0) {
        throw new Error(`setns(${name}) failed: errno ${koffi.errno()}`);
      }
      try {
        return fn();
      } finally {
        if (setns(home, CLONE_NEWNET) !== 0) {
          // Staying in the wrong namespace would act on the wrong ruleset: stop hard.
          process.abort();
        }
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
