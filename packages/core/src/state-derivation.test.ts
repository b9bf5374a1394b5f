import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredState } from './desired.js';
import { changedEntries } from './state-derivation.js';
import { createPlannedStates, modelService } from './testing/planned-states.js';

const NAMES = ['s0', 's1', 's2', 's3', 's4'];
const DESTS = ['a', 'b', 'c'];

const services = () =>
  NAMES.map((name, n) =>
    modelService(
      name,
      { vip: `192.0.2.${n + 1}`, port: 80, protocol: 'tcp' },
      DESTS.map((d, i) => ({ name: d, address: `198.51.100.${i + 1}`, port: 80, weight: 1 })),
    ),
  );

/** Indices where the two states hold different objects (same length assumed). */
const differing = (a: DesiredState, b: DesiredState): number[] =>
  a.services.flatMap((s, i) => (s === b.services[i] ? [] : [i]));

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
          const states = createPlannedStates(services());
          const history: DesiredState[] = [states.state];
          for (const batch of batches) {
            states.change(
              batch.map((f) => ({
                service: f.service,
                destination: f.dest,
                health: f.up ? 'up' : 'down',
              })),
            );
            const next = states.state;
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
    const states = createPlannedStates(services());
    const s0 = states.state;
    const s1 = states.change([{ service: 's1', destination: 'a', health: 'down' }]);
    expect(changedEntries(s0, s1)).toEqual([1]);
    const s2 = states.change([{ service: 's3', destination: 'a', health: 'down' }]);
    expect(changedEntries(s0, s2)).toEqual([1, 3]);
    expect(changedEntries(s0, s1)).toBeUndefined();
    expect(changedEntries(s2, s2)).toEqual([]);
  });

  it('is hidden from equality, keys and JSON, and unknown for states made otherwise', () => {
    const states = createPlannedStates(services());
    const s0 = states.state;
    const s1 = states.change([], ['s2']);
    expect(Object.keys(s1)).toEqual(['services']);
    expect(JSON.stringify(s1)).toBe(JSON.stringify(s0));
    expect(s1).toEqual(s0);
    expect(changedEntries(s0, { services: [...s1.services] })).toBeUndefined();
    expect(changedEntries(s1, s0)).toBeUndefined();
  });
});
