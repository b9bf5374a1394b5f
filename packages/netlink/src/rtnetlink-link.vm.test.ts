/**
 * Links and addresses over rtnetlink against a real kernel, in a namespace of
 * its own. Needs the `dummy` driver, which this host's kernel lacks: it runs
 * inside the kernel VM with the IPVS tests (`npm run test:vm`), where a
 * missing driver fails under CI=true. Read back through `ip` (an independent
 * reader) as well as through `listAddresses`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetlinkConnection, type NetlinkConnection } from './connection.js';
import { addAddress, deleteAddress, listAddresses } from './rtnetlink.js';
import { createDummyLink, deleteLink, findLink } from './rtnetlink-link.js';
import { openNetlinkSocket } from './socket.js';
import { RTNL, SOCKET } from './uapi.js';

/** Why this file skips, or `false`; under CI=true inside the VM a missing driver fails. */
function skipReason(): string | false {
  if (process.env['LBKIT_IN_VM'] !== '1') {
    return 'runs inside the kernel VM (this kernel has no dummy driver): npm run test:vm';
  }
  const missing = dummyMissing();
  if (missing && process.env['CI'] === 'true') throw new Error(`${missing} (CI=true)`);
  return missing;
}

/** Why the dummy driver cannot be used, or `false`: tries `ip link add type dummy` in a throwaway namespace. */
function dummyMissing(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const ns = `lbkdp${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) return 'cannot create a namespace';
  try {
    const probe = spawnSync('ip', ['-n', ns, 'link', 'add', 'probe0', 'type', 'dummy']);
    return probe.status === 0 ? false : 'this kernel has no dummy driver';
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const skip = skipReason();
const V4 = Uint8Array.of(192, 0, 2, 10);
const V6 = Uint8Array.from(Buffer.from('20010db8000000000000000000000010', 'hex'));
const NAME = 'lbkit-t0';

describe.skipIf(skip)(`rtnetlink links (kernel)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const ns = `lbkln${process.pid}`;
  let connection: NetlinkConnection | undefined;
  const ip = (...args: string[]): string =>
    execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' });
  const onLink = (index: number): string[] =>
    listAddresses(connection!)
      ._unsafeUnwrap()
      .filter((a) => a.index === index)
      .map((a) => `${Buffer.from(a.address).toString('hex')}/${a.prefixLength}`)
      .sort();

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    const socket = openNetlinkSocket({ protocol: SOCKET.NETLINK_ROUTE, netns: ns });
    connection = createNetlinkConnection(socket._unsafeUnwrap());
  });
  afterAll(() => {
    connection?.close();
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it('creates a dummy (down), holds a v4 and a v6 host address on it, deletes them and it', () => {
    const c = connection!;
    const link = createDummyLink(c, NAME)._unsafeUnwrap();
    expect(link).toMatchObject({ name: NAME, kind: 'dummy' });
    expect(link.flags & RTNL.IFF_UP).toBe(0);
    // Again: EEXIST on a dummy is fine, same link.
    expect(createDummyLink(c, NAME)._unsafeUnwrap().index).toBe(link.index);
    expect(ip('-d', 'link', 'show', NAME)).toMatch(/state DOWN[\s\S]*\n\s+dummy /);

    for (const a of [V4, V6]) {
      addAddress(c, link.index, a)._unsafeUnwrap();
      addAddress(c, link.index, a)._unsafeUnwrap(); // EEXIST is done
    }
    expect(onLink(link.index)).toEqual(['20010db8000000000000000000000010/128', 'c000020a/32']);
    // Local on the down link: `local` routes in table local (what IPVS needs), scope global.
    expect(ip('route', 'show', 'table', 'local')).toContain(`local 192.0.2.10 dev ${NAME}`);
    expect(ip('-6', 'route', 'show', 'table', 'local')).toContain(`local 2001:db8::10 dev ${NAME}`);
    expect(ip('address', 'show', 'dev', NAME)).toMatch(/inet 192\.0\.2\.10\/32 scope global/);

    deleteAddress(c, link.index, V4)._unsafeUnwrap();
    deleteAddress(c, link.index, V4)._unsafeUnwrap(); // EADDRNOTAVAIL is done
    expect(onLink(link.index)).toEqual(['20010db8000000000000000000000010/128']);

    deleteLink(c, link.index)._unsafeUnwrap();
    expect(findLink(c, NAME)._unsafeUnwrap()).toBeUndefined();
    expect(deleteLink(c, link.index).isOk()).toBe(true); // ENODEV is done
    expect(
      listAddresses(c)
        ._unsafeUnwrap()
        .some((a) => a.index === link.index),
    ).toBe(false);
  });

  it('refuses a link of that name that is not a dummy, and leaves it as it was', () => {
    const c = connection!;
    const before = ip('address', 'show', 'dev', 'lo');
    const refused = createDummyLink(c, 'lo')._unsafeUnwrapErr();
    expect(refused.kind).toBe('exists');
    expect(refused.message).toMatch(/link lo exists and is a link without a kind .*, not a dummy/);
    expect(ip('address', 'show', 'dev', 'lo')).toBe(before);
  });
});
