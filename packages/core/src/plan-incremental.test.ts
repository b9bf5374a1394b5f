/**
 * `replan()` must give exactly what a full re-plan gives, for any sequence of
 * health, operator and config changes, while reusing (by identity) every
 * service it was not told changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdminState, DestinationStatus } from './balancer-types.js';
import type { HealthState } from './health/types.js';
import { DEFAULT_HEALTH, type Destination, type Service } from './model.js';
import { type Planned, planFull, replan } from './plan.js';

const NAMES = ['s0', 's1', 's2', 's3', 's4', 's5'];
const DESTS = ['a', 'b', 'c', 'd'];

const destination = (name: string, weight: number): Destination => ({
  name,
  address: `198.51.100.${DESTS.indexOf(name) + 1}`,
  port: 80,
  weight,
});

const SORRY: Destination = { name: 'sorry', address: '198.51.100.99', port: 80, weight: 1 };

const service = (
  name: string,
  dests: readonly Destination[],
  drain: boolean,
  quorum?: { readonly quorum?: number; readonly sorry: boolean },
): Service => ({
  name,
  key: { vip: `192.0.2.${NAMES.indexOf(name) + 1}`, port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: dests,
  probe: { kind: 'tcp' },
  health: DEFAULT_HEALTH,
  whenEmpty: 'reject',
  downAction: drain ? 'drain' : 'remove',
  persistence: 0,
  ...(quorum?.quorum !== undefined ? { quorum: quorum.quorum } : {}),
  ...(quorum?.sorry ? { sorry: SORRY } : {}),
});

type Change =
  | { kind: 'health'; service: string; dest: string; to: HealthState }
  | { kind: 'admin'; service: string; dest: string; to: AdminState }
  | {
      kind: 'update';
      service: string;
      dests: string[];
      weight: number;
      drain: boolean;
      quorum?: { quorum?: number; sorry: boolean } | null;
    }
  | { kind: 'remove'; service: string };

const name = fc.constantFrom(...NAMES);
const dest = fc.constantFrom(...DESTS);
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    kind: fc.constant('health' as const),
    service: name,
    dest,
    to: fc.constantFrom<HealthState>('up', 'down', 'unknown'),
  }),
  fc.record({
    kind: fc.constant('admin' as const),
    service: name,
    dest,
    to: fc.constantFrom<AdminState>('enabled', 'drained', 'disabled'),
  }),
  fc.record({
    kind: fc.constant('update' as const),
    service: name,
    dests: fc.uniqueArray(dest, { maxLength: 4 }),
    weight: fc.integer({ min: 0, max: 5 }),
    drain: fc.boolean(),
    // Quorum and sorry destination (quorum.ts) ride the same dirty contract.
    quorum: fc.option(
      fc.record(
        { quorum: fc.integer({ min: 1, max: 8 }), sorry: fc.boolean() },
        { requiredKeys: ['sorry'] },
      ),
    ),
  }),
  fc.record({ kind: fc.constant('remove' as const), service: name }),
);

/** The world a caller keeps: services plus statuses, and the names each change dirties. */
function world() {
  const services = new Map<string, Service>();
  const status = new Map<string, DestinationStatus>();
  const ref = (s: string, d: string) => `${s}/${d}`;
  const lookup = (s: string, d: string) => status.get(ref(s, d));
  const apply = (c: Change): string => {
    if (c.kind === 'remove') services.delete(c.service);
    else if (c.kind === 'update') {
      const dests = c.dests.map((d) => destination(d, c.weight));
      services.set(c.service, service(c.service, dests, c.drain, c.quorum ?? undefined));
    } else {
      const before = status.get(ref(c.service, c.dest)) ?? { health: 'unknown', admin: 'enabled' };
      status.set(
        ref(c.service, c.dest),
        c.kind === 'health' ? { ...before, health: c.to } : { ...before, admin: c.to },
      );
    }
    return c.service;
  };
  return { services, lookup, apply };
}

describe('replan', () => {
  it('equals a full re-plan after every batch of random changes, reusing the untouched services', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(change, { minLength: 0, maxLength: 4 }), { minLength: 1, maxLength: 25 }),
        (batches) => {
          const w = world();
          let planned: Planned = planFull(w.services.values(), w.lookup);
          for (const batch of batches) {
            const dirty = new Set(batch.map(w.apply));
            const next = replan(planned, w.services, w.lookup, dirty);
            expect(next.state).toEqual(planFull(w.services.values(), w.lookup).state);
            const before = new Map(planned.state.services.map((s) => [s.name, s]));
            for (const s of next.state.services) {
              if (!dirty.has(s.name)) expect(s).toBe(before.get(s.name));
            }
            planned = next;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not touch the previous plan (pure)', () => {
    const w = world();
    w.apply({ kind: 'update', service: 's1', dests: ['a', 'b'], weight: 1, drain: false });
    w.apply({ kind: 'health', service: 's1', dest: 'a', to: 'up' });
    const first = planFull(w.services.values(), w.lookup);
    const frozen = JSON.stringify(first.state);
    w.apply({ kind: 'health', service: 's1', dest: 'b', to: 'up' });
    w.apply({ kind: 'update', service: 's2', dests: ['c'], weight: 2, drain: false });
    const next = replan(first, w.services, w.lookup, ['s1', 's2']);
    expect(JSON.stringify(first.state)).toBe(frozen);
    expect(next.state.services.map((s) => s.name)).toEqual(['s1', 's2']);
    expect(next.state.services[0]!.destinations.map((d) => d.name)).toEqual(['a', 'b']);
  });

  it('costs O(changed): one flip among 20,000 services re-plans one service', () => {
    const services = new Map<string, Service>();
    for (let i = 0; i < 20_000; i++) {
      const n = `svc${String(i).padStart(5, '0')}`;
      services.set(n, { ...service('s0', [destination('a', 1)], false), name: n });
    }
    let calls = 0;
    const up: DestinationStatus = { health: 'up', admin: 'enabled' };
    const lookup = () => {
      calls++;
      return up;
    };
    const first = planFull(services.values(), lookup);
    calls = 0;
    const next = replan(first, services, lookup, ['svc00042']);
    expect(calls).toBe(1);
    expect(next.state.services[42]).not.toBe(first.state.services[42]);
    expect(next.state.services[43]).toBe(first.state.services[43]);
  });
});
