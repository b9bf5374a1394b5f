import type { DesiredService, DesiredState } from '@lbkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderRuleset } from '../render/ruleset.js';
import { FakeNft, withoutEmptyShards } from '../testing/index.js';
import { traceState } from '../trace/tracer.js';
import { createNftablesBackend } from './backend.js';

const ADDRS = ['192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14'];

const service = (
  i: number,
  members: boolean[],
  scheduler: DesiredService['scheduler'],
  weights: number[],
): DesiredService => ({
  name: `svc${i}`,
  key: { vip: '192.0.2.10', port: 80 + i, protocol: i % 2 === 0 ? 'tcp' : 'udp' },
  scheduler,
  whenEmpty: i % 3 === 0 ? 'drop' : 'reject',
  persistence: 0,
  destinations: ADDRS.flatMap((address, j) =>
    members[j] ? [{ name: `d${j}`, address, port: 8000 + j, weight: weights[j] ?? 1 }] : [],
  ),
});

const arbState: fc.Arbitrary<DesiredState> = fc
  .array(
    fc.record({
      present: fc.boolean(),
      members: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      scheduler: fc.constantFrom<DesiredService['scheduler']>('rr', 'wrr', 'random', 'sh', 'mh'),
      weights: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 4, maxLength: 4 }),
    }),
    { minLength: 5, maxLength: 5 },
  )
  .map((specs) => ({
    services: specs.flatMap((s, i) =>
      s.present ? [service(i, s.members, s.scheduler, s.weights)] : [],
    ),
  }));

const fullListing = (desired: DesiredState): string => {
  const fresh = new FakeNft();
  fresh.run(renderRuleset(desired, { mhTableSize: 13 })._unsafeUnwrap());
  return withoutEmptyShards(fresh.ruleset());
};

describe('nftables backend on FakeNft', () => {
  it('any sequence of applies leaves exactly the ruleset a fresh full apply would build', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbState, { minLength: 1, maxLength: 6 }), async (states) => {
        const fake = new FakeNft();
        const backend = createNftablesBackend({
          transport: fake,
          conntrack: false,
          driftCheckInterval: 1e12,
          mhTableSize: 13,
        })._unsafeUnwrap();
        let runs = 0;
        for (const [i, desired] of states.entries()) {
          const report = (await backend.apply(desired))._unsafeUnwrap();
          if (report.operations > 0) runs++;
          expect(report.mode).toBe(i === 0 ? 'full' : report.operations === 0 ? 'none' : 'changes');
          expect(withoutEmptyShards(fake.ruleset())).toBe(fullListing(desired));
        }
        // One transaction per apply that changed anything, none otherwise.
        expect(fake.runs).toBe(runs);
      }),
      { numRuns: 40 },
    );
  });

  it('a flip moves traffic only for that service', async () => {
    const fake = new FakeNft();
    const backend = createNftablesBackend({
      transport: fake,
      conntrack: false,
      driftCheckInterval: 1e12,
    })._unsafeUnwrap();
    const all = [true, true, true, false];
    await backend.apply({ services: [service(0, all, 'rr', []), service(2, all, 'rr', [])] });
    const flip = await backend.apply({
      services: [service(0, [true, false, true, false], 'rr', []), service(2, all, 'rr', [])],
    });
    expect(flip._unsafeUnwrap().changedServices).toEqual(['svc0']);
    const reach = (port: number) => {
      const r = traceState(fake.state, {
        family: 4,
        saddr: '198.51.100.2',
        daddr: '192.0.2.10',
        protocol: 'tcp',
        dport: port,
      })._unsafeUnwrap();
      return r.verdict === 'dnat' ? r : { destinations: new Set<string>() };
    };
    expect([...reach(80).destinations].sort()).toEqual(['192.0.2.11:8000', '192.0.2.13:8002']);
    expect([...reach(82).destinations].sort()).toEqual([
      '192.0.2.11:8000',
      '192.0.2.12:8001',
      '192.0.2.13:8002',
    ]);
  });
});
