import { describe, expect, it } from 'vitest';
import { equalSlotCount, MAX_SLOTS, slotPlan, weightUnits } from './slots.js';

const counts = (slots: readonly number[], n: number): number[] =>
  Array.from({ length: n }, (_, i) => slots.filter((s) => s === i).length);

describe('slot plans', () => {
  it('uses one modulus per class of destination counts', () => {
    expect([0, 1, 2, 3, 4].map(equalSlotCount)).toEqual([6, 6, 6, 6, 12]);
    expect([5, 6, 7, 8, 9, 20].map(equalSlotCount)).toEqual([60, 60, 840, 840, 9, 20]);
  });

  it('splits every count of a class exactly and alternates strictly', () => {
    for (let n = 1; n <= 8; n++) {
      const plan = slotPlan(new Array<number>(n).fill(1), false);
      expect(plan.modulus % n).toBe(0);
      expect(new Set(counts(plan.slots, n))).toEqual(new Set([plan.modulus / n]));
      expect(plan.slots.slice(0, 2 * n)).toEqual([...Array(n).keys(), ...Array(n).keys()]);
    }
  });

  it('rr ignores weights; equal weights are rr; unequal weights get weight/gcd slots', () => {
    expect(slotPlan([1, 5], false).modulus).toBe(6);
    expect(slotPlan([3, 3, 3, 3], true).modulus).toBe(12);
    const plan = slotPlan([2, 4, 6], true);
    expect(plan.modulus).toBe(6);
    expect(counts(plan.slots, 3)).toEqual([1, 2, 3]);
  });

  it('an empty service has no slot', () => {
    expect(slotPlan([], false)).toEqual({ modulus: 6, slots: [] });
  });

  it('caps the slots of large weights, keeping every destination and the proportions', () => {
    const units = weightUnits([65535, 1, 30000]);
    expect(units.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_SLOTS);
    expect(units[1]).toBe(1);
    expect(Math.abs(units[0]! / units[2]! - 65535 / 30000)).toBeLessThan(0.01);
    expect(weightUnits([7, 3])).toEqual([7, 3]);
  });
});
