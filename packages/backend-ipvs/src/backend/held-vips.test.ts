import { parseAddress } from '@lbkit/core';
import { netlinkError, RTNL } from '@lbkit/netlink';
import { describe, expect, it } from 'vitest';
import { createFakeLinkTable } from '../testing/fake-link-table.js';
import { checkHoldVipsInterface, createHeldVips } from './held-vips.js';
import type { VipUse } from './local-vips.js';

const uses = (...vips: string[]): Map<string, VipUse> =>
  new Map(vips.map((vip) => [vip, { address: parseAddress(vip)!, services: ['web'] }]));
const NAME = 'lbkit-vips0';

describe('held VIPs', () => {
  it('creates the dummy and adds the VIPs; the same set again sends nothing', () => {
    const table = createFakeLinkTable();
    const held = createHeldVips(NAME, table);
    expect(held.hold(uses('192.0.2.10', '2001:db8::10'))._unsafeUnwrap()).toBe(2);
    expect(held.release(uses('192.0.2.10', '2001:db8::10'))._unsafeUnwrap()).toBe(0);
    expect(table.log).toEqual([
      `ensureDummy ${NAME}`,
      'list',
      `add 192.0.2.10/32 dev ${NAME}`,
      `add 2001:db8::10/128 dev ${NAME}`,
    ]);
    expect(table.addressesOf(NAME)).toEqual(['192.0.2.10', '20010db8000000000000000000000010']);
    table.log.length = 0;
    expect(held.hold(uses('2001:db8::10', '192.0.2.10'))._unsafeUnwrap()).toBe(0);
    expect(held.release(uses('2001:db8::10', '192.0.2.10'))._unsafeUnwrap()).toBe(0);
    expect(table.log).toEqual([]);
  });

  it('adds first, deletes only at release, only what no VIP uses, only on its own link', () => {
    const table = createFakeLinkTable();
    table.addLink('eth0', 'veth');
    table.addRaw('eth0', Uint8Array.of(192, 0, 2, 20));
    const held = createHeldVips(NAME, table);
    held.hold(uses('192.0.2.10', '192.0.2.11'))._unsafeUnwrap();
    held.release(uses('192.0.2.10', '192.0.2.11'))._unsafeUnwrap();
    // A link-local address (the kernel's, were the link up) is not a VIP: never deleted.
    table.addRaw(NAME, Uint8Array.of(0xfe, 0x80, ...new Array(14).fill(1)), RTNL.RT_SCOPE_LINK);
    table.log.length = 0;
    // 192.0.2.11 leaves, 192.0.2.20 (on eth0 too) arrives.
    const next = uses('192.0.2.10', '192.0.2.20');
    expect(held.hold(next)._unsafeUnwrap()).toBe(1);
    expect(table.addressesOf(NAME)).toContain('192.0.2.11');
    expect(held.release(next)._unsafeUnwrap()).toBe(1);
    expect(table.log).toEqual([
      `ensureDummy ${NAME}`,
      'list',
      `add 192.0.2.20/32 dev ${NAME}`,
      `del 192.0.2.11/32 dev ${NAME}`,
    ]);
    expect(table.addressesOf(NAME)).toEqual([
      '192.0.2.10',
      'fe800101010101010101010101010101',
      '192.0.2.20',
    ]);
    expect(table.addressesOf('eth0')).toEqual(['192.0.2.20']);
  });

  it('a link of that name that is not a dummy: rejected, nothing added or deleted', () => {
    const table = createFakeLinkTable();
    table.addLink(NAME, 'veth');
    table.addRaw(NAME, Uint8Array.of(198, 51, 100, 1));
    const held = createHeldVips(NAME, table);
    const refused = held.hold(uses('192.0.2.10'))._unsafeUnwrapErr();
    expect(refused.kind).toBe('rejected');
    expect(refused.message).toBe(
      `holdVips ${NAME}: link ${NAME} exists and is a veth link, not a dummy`,
    );
    expect(held.release(uses('192.0.2.10'))._unsafeUnwrap()).toBe(0);
    expect(held.remove()._unsafeUnwrapErr().message).toMatch(/not a dummy link; left alone/);
    expect(table.addressesOf(NAME)).toEqual(['198.51.100.1']);
    expect(table.log.filter((e) => /^(add|del|RTM_DELLINK)/.test(e))).toEqual([]);
  });

  it('a failed add is an error and is retried by the next hold of the same set', () => {
    const table = createFakeLinkTable();
    let failing = true;
    table.fail = (entry) =>
      failing && entry.startsWith('add ') ? netlinkError('permission', 'EPERM') : undefined;
    const held = createHeldVips(NAME, table);
    expect(held.hold(uses('192.0.2.10'))._unsafeUnwrapErr()).toMatchObject({
      kind: 'unavailable',
      message: `holdVips ${NAME}: EPERM`,
    });
    failing = false;
    expect(held.hold(uses('192.0.2.10'))._unsafeUnwrap()).toBe(1);
    expect(table.addressesOf(NAME)).toEqual(['192.0.2.10']);
  });

  it('remove deletes the dummy (its addresses with it); no link is done', () => {
    const table = createFakeLinkTable();
    const held = createHeldVips(NAME, table);
    held.hold(uses('192.0.2.10'))._unsafeUnwrap();
    expect(held.remove().isOk()).toBe(true);
    expect(table.addressesOf(NAME)).toBeUndefined();
    expect(held.remove().isOk()).toBe(true);
    // After a remove the next hold creates it again.
    expect(held.hold(uses('192.0.2.10'))._unsafeUnwrap()).toBe(1);
  });

  it('interface names: 1..15 of [A-Za-z0-9_.-], not . or ..', () => {
    expect(checkHoldVipsInterface('kube-ipvs0')._unsafeUnwrap()).toBe('kube-ipvs0');
    for (const bad of ['', '.', '..', 'lbkit-vips-01234', 'a b', 'eth0:0', 'x/y']) {
      const e = checkHoldVipsInterface(bad)._unsafeUnwrapErr();
      expect(e.kind).toBe('rejected');
      expect(e.message).toMatch(/^holdVips\.interface: invalid link name /);
    }
  });
});
