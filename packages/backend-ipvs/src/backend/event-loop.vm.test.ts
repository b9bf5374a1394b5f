/**
 * A large IPVS apply leaves the event loop free (inside the kernel VM): the
 * changes go out 64 per socket write with the event loop running between
 * writes, and a call made meanwhile on the same client (a flow count) waits
 * its turn instead of reading the apply's answers. Before, the whole apply
 * ran without a single timer tick.
 */
import { execFileSync } from 'node:child_process';
import type { DesiredService } from '@lbkit/core';
import { NetnsLab, timerGaps } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ipvsadmList } from '../testing/ipvsadm.js';
import { vmSkipReason } from '../testing/vm.js';
import { createIpvsBackend } from './ipvs-backend.js';
import { createMemoryOwnershipStore } from './ownership.js';

const skip = vmSkipReason();
const SERVICES = 300;

const service = (i: number): DesiredService => ({
  name: `s${String(i).padStart(4, '0')}`,
  key: { vip: '192.0.2.10', port: 10_000 + i, protocol: 'tcp' },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations: [1, 2, 3].map((n) => ({
    name: `d${n}`,
    address: `198.51.100.${n}`,
    port: 80,
    weight: 1,
  })),
});

describe.skipIf(skip)(`IPVS apply and the event loop${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkv');
  let ns = '';
  beforeAll(async () => {
    ns = await lab.add('loop');
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['-n', ns, 'address', 'add', '192.0.2.10/32', 'dev', 'lo']);
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it(`keeps timers running through a cold apply of ${SERVICES} services x 3; a flow count made meanwhile waits its turn`, async () => {
    const backend = createIpvsBackend({
      netns: ns,
      ownership: createMemoryOwnershipStore(),
      instance: 'loop',
    });
    try {
      const desired = { services: Array.from({ length: SERVICES }, (_, i) => service(i)) };
      let counted: Awaited<ReturnType<NonNullable<typeof backend.countFlows>>> | undefined;
      let applied: Awaited<ReturnType<typeof backend.apply>> | undefined;
      const gaps = await timerGaps(async () => {
        const applying = backend.apply(desired);
        // Once the apply is under way, a flow count on the same client.
        await new Promise((resolve) => setTimeout(resolve, 50));
        counted = await backend.countFlows!([
          { service: desired.services[0]!.key, address: '198.51.100.1', port: 80 },
        ]);
        applied = await applying;
      });
      const took = gaps.workMs;
      applied!._unsafeUnwrap();
      expect(counted!._unsafeUnwrap()).toEqual([expect.any(Number)]);
      const listed = await ipvsadmList(ns);
      expect(listed.services).toHaveLength(SERVICES);
      expect(listed.services.every((s) => s.destinations.length === 3)).toBe(true);
      expect(gaps.ticks, `timer ticks during a ${Math.round(took)} ms apply`).toBeGreaterThan(5);
      expect(
        gaps.longestMs,
        `longest timer gap during a ${Math.round(took)} ms apply`,
      ).toBeLessThan(took / 3);
    } finally {
      (await backend.close())._unsafeUnwrap();
    }
  }, 240_000);
});
