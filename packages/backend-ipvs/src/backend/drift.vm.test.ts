/**
 * The IPVS drift check and the instance lock against the real kernel (inside
 * the kernel VM): what `ipvsadm -C` or `ipvsadm -d` takes away is put back by
 * the next check; a second backend of the same instance in the same
 * namespace is refused.
 */
import { execFileSync } from 'node:child_process';
import type { DesiredService } from '@lbkit/core';
import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPVSADM, ipvsadmList } from '../testing/ipvsadm.js';
import { vmSkipReason } from '../testing/vm.js';
import { createIpvsBackend } from './ipvs-backend.js';
import { createMemoryOwnershipStore } from './ownership.js';

const skip = vmSkipReason();

const service = (name: string, port: number): DesiredService => ({
  name,
  key: { vip: '192.0.2.10', port, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations: [1, 2].map((n) => ({
    name: `d${n}`,
    address: `198.51.100.${n}`,
    port,
    weight: 1,
  })),
});
const lines = async (ns: string): Promise<string[]> =>
  (await ipvsadmList(ns)).services.flatMap((s) =>
    s.destinations.map((d) => `${s.key.port} ${d.address} w${d.weight}`),
  );

describe.skipIf(skip)(`IPVS drift and lock${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkv');
  let ns = '';
  beforeAll(async () => {
    ns = await lab.add('drift');
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it('puts back what ipvsadm -C and ipvsadm -d took away; a second daemon is busy', async () => {
    const ownership = createMemoryOwnershipStore();
    const backend = createIpvsBackend({ netns: ns, ownership, instance: 'drift' });
    const desired = { services: [service('mail', 25), service('web', 80)] };
    (await backend.apply(desired))._unsafeUnwrap();
    const applied = await lines(ns);
    expect(applied).toHaveLength(4);
    expect((await backend.checkDrift!())._unsafeUnwrap()).toMatchObject({
      found: [],
      method: 'read',
    });
    const ipvsadm = (...args: string[]) =>
      execFileSync('ip', ['netns', 'exec', ns, IPVSADM ?? 'ipvsadm', ...args]);
    ipvsadm('-C');
    expect(await lines(ns)).toEqual([]);
    const cleared = (await backend.checkDrift!())._unsafeUnwrap();
    expect(cleared.repaired).toBe(true);
    expect((await lines(ns)).sort()).toEqual([...applied].sort());
    ipvsadm('-d', '-t', '192.0.2.10:80', '-r', '198.51.100.2:80');
    expect((await backend.checkDrift!())._unsafeUnwrap().found).toEqual([
      'create-destination tcp/192.0.2.10:80 198.51.100.2:80 w1',
    ]);
    expect((await lines(ns)).sort()).toEqual([...applied].sort());

    const second = createIpvsBackend({ netns: ns, ownership, instance: 'drift' });
    const busy = (await second.apply(desired))._unsafeUnwrapErr();
    expect(busy.kind).toBe('busy');
    expect(busy.message).toMatch(/IPVS instance drift is managed by another lbkit \(pid \d+\)/);
    expect((await second.close())._unsafeUnwrapErr().kind).toBe('busy');
    expect(await lines(ns)).toHaveLength(4);
    (await backend.close())._unsafeUnwrap();
    expect(await lines(ns)).toEqual([]);
  });
});
