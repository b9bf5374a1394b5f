/**
 * Where `nft-lb`'s control socket lives by default: `/run/nft-lb/TABLE.sock`,
 * like the table lock (one daemon per table AND network namespace). In a
 * network namespace other than the host's (pid 1's), the namespace's inode
 * is added, `/run/nft-lb/TABLE.netns-INODE.sock`: two daemons of the same
 * table in two namespaces (a balancer pair tested on one host) never meet,
 * and `ip netns exec NS nft-lb ctl status` finds its own daemon.
 */
import { readlinkSync } from 'node:fs';

/** Directory of the default sockets. */
export const CONTROL_SOCKET_DIR = '/run/nft-lb';

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const link = (path: string): string | undefined => {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
};

/**
 * The default socket path of `table`, or undefined for a name that cannot be
 * a table (never a path with `/` or `..` in it). `readLink` is a test seam.
 */
export function defaultSocketPath(
  table: string,
  readLink: (path: string) => string | undefined = link,
): string | undefined {
  if (!TABLE_NAME.test(table)) return undefined;
  const own = readLink('/proc/self/ns/net');
  const host = readLink('/proc/1/ns/net');
  const inode = own === undefined ? undefined : /^net:\[(\d+)\]$/.exec(own)?.[1];
  if (inode === undefined || host === undefined || own === host) {
    return `${CONTROL_SOCKET_DIR}/${table}.sock`;
  }
  return `${CONTROL_SOCKET_DIR}/${table}.netns-${inode}.sock`;
}
