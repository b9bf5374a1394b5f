import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DestinationStatus } from './balancer-types.js';
import type { DesiredState } from './desired.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import { type Planned, planFull, replan } from './plan.js';
import { changedEntries } from './state-derivation.js';

const NAMES = ['s0', 's1', 's2', 's3', 's4'];
const DESTS = ['a', 'b', 'c'];

const service = (name: string): Service => ({
  name,
  key: { vip: `192.0.2.${NAMES.indexOf(name) + 1}`, port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: DESTS.map((d, i) => ({
    name: d,
    address: `198.51.100.${i + 1}`,
    port: 80,
    weight: 1,
  })),
  probe: { kind: 'tcp' },
  health: DEFAULT_HEALTH,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
});

/** Indices where the two states hold different objects (same length assumed). */
const differing = (a: DesiredState, b: DesiredState): number[] =>
  a.services.flatMap((s, i) => (s === b.services[i] ? [] : [i]));

function world() {
  const services = new Map(NAMES.map((n) => [n, service(n)]));
  const status = new Map<string, DestinationStatus>();
  const lookup = (s: string, d: string) => status.get(`${s}/${d}`);
  const flip = (s: string, d: string, up: boolean) =>
    status.set(`${s}/${d}`, { health: up ? 'up' : 'down', admin: 'enabled' });
  return { services, lookup, flip };
}

describe('changedEntries', () => {
  it('names exactly the replaced entries since each of the last states, or says it does not know', () => {
    const flipArb = fc.record({
      service: fc.constantFrom(...NAMES),
      dest: fc.constantFrom(...DESTS),
      up: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(flipArb, { maxLength: 3 }), { minLength: 1, maxLength: 20 }),
        (batches) => {
          const w = world();
          let planned: Planned = planFull(w.services.values(), w.lookup);
          const history: DesiredState[] = [planned.state];
          for (const batch of batches) {
            for (const f of batch) w.flip(f.service, f.dest, f.up);
            planned = replan(
              planned,
              w.services,
              w.lookup,
              batch.map((f) => f.service),
            );
            const next = planned.state;
            // The last 8 states (the one before included) are known; older ones are not.
            for (const [age, earlier] of [...history].reverse().entries()) {
              const known = changedEntries(earlier, next);
              if (age < 8) expect(known).toEqual(differing(earlier, next));
              else expect(known).toBeUndefined();
            }
            history.push(next);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a state that has a successor forgets its own ancestors (no chain of states is kept)', () => {
    const w = world();
    const s0 = planFull(w.services.values(), w.lookup);
    w.flip('s1', 'a', true);
    const s1 = replan(s0, w.services, w.lookup, ['s1']);
    expect(changedEntries(s0.state, s1.state)).toEqual([1]);
    w.flip('s3', 'a', true);
    const s2 = replan(s1, w.services, w.lookup, ['s3']);
    expect(changedEntries(s0.state, s2.state)).toEqual([1, 3]);
    expect(changedEntries(s0.state, s1.state)).toBeUndefined();
    expect(changedEntries(s2.state, s2.state)).toEqual([]);
  });

  it('is hidden from equality, keys and JSON, and unknown for states made otherwise', () => {
    const w = world();
    const s0 = planFull(w.services.values(), w.lookup);
    const s1 = replan(s0, w.services, w.lookup, ['s2']);
    expect(Object.keys(s1.state)).toEqual(['services']);
    expect(JSON.stringify(s1.state)).toBe(JSON.stringify(s0.state));
    expect(s1.state).toEqual(s0.state);
    expect(changedEntries(s0.state, { services: [...s1.state.services] })).toBeUndefined();
    expect(changedEntries(s1.state, s0.state)).toBeUndefined();
  });
});
