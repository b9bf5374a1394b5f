/**
 * Where `nft-lb`'s control socket lives by default: `/run/nft-lb/TABLE.sock`,
 * scoped like the table lock (one daemon per table AND network namespace). In
 * a named network namespace (`ip netns add NAME`, found the way
 * `ip netns identify` finds it: the namespace file under `/run/netns` with
 * this process's namespace inode) the name is added,
 * `/run/nft-lb/TABLE.netns-NAME.sock`: two daemons of one table in two
 * namespaces (a balancer pair tested on one host) never meet, and
 * `ip netns exec NAME nft-lb ctl status` finds its own daemon.
 */
import { readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';

/** Directory of the default sockets. */
export const CONTROL_SOCKET_DIR = '/run/nft-lb';

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const NETNS_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

const stat = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/** The name of this process's network namespace under `/run/netns`, if it has one. */
export function currentNetnsName(): string | undefined {
  const own = stat('/proc/self/ns/net');
  if (!own) return undefined;
  let names: string[];
  try {
    names = readdirSync('/run/netns');
  } catch {
    return undefined;
  }
  return names.find((name) => {
    const s = stat(join('/run/netns', name));
    return s !== undefined && s.ino === own.ino && s.dev === own.dev;
  });
}

/**
 * The default socket path of `table`, or undefined for a name that cannot be
 * a table (never a path with `/` or `..` in it). `netns` is a test seam.
 */
export function defaultSocketPath(
  table: string,
  netns: () => string | undefined = currentNetnsName,
): string | undefined {
  if (!TABLE_NAME.test(table)) return undefined;
  const name = netns();
  if (name === undefined || !NETNS_NAME.test(name)) return `${CONTROL_SOCKET_DIR}/${table}.sock`;
  return `${CONTROL_SOCKET_DIR}/${table}.netns-${name}.sock`;
}
