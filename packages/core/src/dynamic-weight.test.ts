import { describe, expect, it } from 'vitest';
import type { DestinationStatus } from './balancer-types.js';
import { agentBaseWeight, scaleWeights, weightFactor } from './dynamic-weight.js';

const up: DestinationStatus = { health: 'up', admin: 'enabled' };

describe('dynamic weights', () => {
  it('agent: maint = absent, drain = 0, misc_dynamic weight replaces the configured one', () => {
    expect(agentBaseWeight(5, up)).toBe(5);
    expect(agentBaseWeight(5, { ...up, agent: { percent: 100, admin: 'maint' } })).toBeUndefined();
    expect(agentBaseWeight(5, { ...up, agent: { percent: 100, admin: 'drain' } })).toBe(0);
    expect(agentBaseWeight(5, { ...up, agent: { percent: 100, admin: 'ready', weight: 7 } })).toBe(
      7,
    );
  });

  it('factor = agent percent x slow-start ramp', () => {
    expect(weightFactor(up)).toBe(1);
    expect(weightFactor({ ...up, agent: { percent: 25, admin: 'ready' }, ramp: 0.5 })).toBe(0.125);
  });

  it('all factors 1: the same array, untouched', () => {
    const weights = [1, 2, 3];
    expect(scaleWeights(weights, [1, 1, 1])).toBe(weights);
  });

  it('fractions survive rounding: 100% and 25% of weight 1 -> 100:25', () => {
    expect(scaleWeights([1, 1], [1, 0.25])).toEqual([100, 25]);
    expect(scaleWeights([1, 1], [1, 1 / 11])).toEqual([100, 9]);
  });

  it('never 0 unless drained or 0%, never past 65535', () => {
    expect(scaleWeights([1, 1, 0, 3], [1, 0.001, 1, 0])).toEqual([100, 1, 0, 0]);
    expect(scaleWeights([65535, 40000], [1, 0.5])).toEqual([65535, 20000]);
    expect(scaleWeights([1000, 1000], [2.56, 1])).toEqual([64000, 25000]);
  });
});
