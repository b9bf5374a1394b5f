import { parseAddress } from '@lbkit/core';
import { type InterfaceAddress, type NetlinkError, netlinkError } from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { type AddressTable, createLocalVips, notLocalWarning, type VipUse } from './local-vips.js';

/** An in-memory address table that counts its reads. */
function fakeTable(initial: string[]) {
  const addresses: InterfaceAddress[] = initial.map((a, i) => ({
    index: i + 1,
    address: parseAddress(a)!.bytes,
    prefixLength: a.includes(':') ? 128 : 32,
    scope: 0,
    flags: 0,
  }));
  const state = { reads: 0, fail: undefined as NetlinkError | undefined };
  const table: AddressTable = {
    list: (): Result<readonly InterfaceAddress[], NetlinkError> => {
      state.reads++;
      return state.fail ? err(state.fail) : ok(addresses.slice());
    },
    close: () => undefined,
  };
  const add = (a: string) => addresses.push({ ...addresses[0]!, address: parseAddress(a)!.bytes });
  return { table, state, add };
}

const uses = (...vips: [string, ...string[]][]): Map<string, VipUse> =>
  new Map(vips.map(([vip, ...services]) => [vip, { address: parseAddress(vip)!, services }]));

describe('local VIPs', () => {
  it('warns once per VIP that is not local, names its services, and says nothing for local ones', () => {
    const { table, state } = fakeTable(['127.0.0.1', '192.0.2.1', '2001:db8::1']);
    const vips = createLocalVips(table);
    const set = uses(
      ['192.0.2.1', 'web'],
      ['2001:db8::1', 'web6'],
      ['192.0.2.53', 'dns-udp', 'dns-tcp'],
      ['2001:db8::53', 'dns6'],
    );
    expect(vips.check(set)).toEqual([
      'VIP 192.0.2.53 is not a local address in the IPVS namespace: IPVS sees only packets to local addresses, so dns-udp, dns-tcp balance nothing (put the VIP on an interface of the balancer, e.g. a dummy)',
      notLocalWarning('2001:db8::53', ['dns6']),
    ]);
    // The same VIP set: no read, nothing said again.
    expect(vips.check(set)).toEqual([]);
    expect(state.reads).toBe(1);
    // Another VIP set reads again; a VIP still not local is not said twice.
    expect(vips.check(uses(['192.0.2.53', 'dns-udp']))).toEqual([]);
    expect(state.reads).toBe(2);
  });

  it('forgets a VIP once it is local or gone, so a later loss is said again', () => {
    const { table, add } = fakeTable(['192.0.2.1']);
    const vips = createLocalVips(table);
    expect(vips.check(uses(['192.0.2.53', 'dns']))).toHaveLength(1);
    add('192.0.2.53');
    expect(vips.check(uses(['192.0.2.53', 'dns'], ['192.0.2.1', 'web']))).toEqual([]);
    expect(vips.check(uses(['192.0.2.1', 'web']))).toEqual([]);
    expect(vips.check(uses(['192.0.2.54', 'dns']))).toEqual([
      notLocalWarning('192.0.2.54', ['dns']),
    ]);
  });

  it('a failed read is one warning, never an error', () => {
    const { table, state } = fakeTable([]);
    state.fail = netlinkError('permission', 'socket(AF_NETLINK): EPERM');
    const vips = createLocalVips(table);
    expect(vips.check(uses(['192.0.2.53', 'dns']))).toEqual([
      'could not check that the VIPs are local: socket(AF_NETLINK): EPERM',
    ]);
    expect(vips.check(uses(['192.0.2.53', 'dns']))).toEqual([]);
  });
});
