import { closeSync, openSync, statSync } from 'node:fs';
import koffi from 'koffi';
import { NETNS_NAME } from '../transport/netns-switch.js';
import { CLONE_NEWNET, NETNS_RUN_DIR } from '../transport/uapi.js';

type SetnsFn = (fd: number, nstype: number) => number;
let setns: SetnsFn | undefined;

const currentInode = (): number => statSync('/proc/thread-self/ns/net').ino;

/**
 * Moves the calling (main) thread of this process into the named network
 * namespace until the returned `leave()` is called. Used by kernel test files
 * and the benchmark so that in-process Node sockets (probes, the balancer's
 * health checks) and spawned children live in the balancer's namespace: vitest
 * runs each test file in its own forked process, so only that file is moved.
 * libuv's worker threads are NOT moved (nothing here uses them for sockets).
 * Throws when the namespace cannot be entered or the switch cannot be verified,
 * so nothing ever runs against the host's namespace by mistake.
 */
export function enterNetns(name: string): () => void {
  if (!NETNS_NAME.test(name)) throw new Error(`invalid namespace name ${JSON.stringify(name)}`);
  setns ??= koffi.load('libc.so.6').func('int setns(int fd, int nstype)') as SetnsFn;
  const path = `${NETNS_RUN_DIR}/${name}`;
  const home = openSync('/proc/thread-self/ns/net', 'r');
  const target = openSync(path, 'r');
  try {
    if (setns(target, CLONE_NEWNET) !== 0)
      throw new Error(`setns(${name}): errno ${koffi.errno()}`);
    if (currentInode() !== statSync(path).ino)
      throw new Error(`setns(${name}) did not take effect`);
  } catch (error) {
    closeSync(home);
    throw error;
  } finally {
    closeSync(target);
  }
  let left = false;
  return () => {
    if (left) return;
    left = true;
    const rc = setns!(home, CLONE_NEWNET);
    closeSync(home);
    if (rc !== 0) throw new Error(`setns back from ${name}: errno ${koffi.errno()}`);
  };
}
