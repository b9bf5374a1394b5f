/**
 * The balancer's per-destination paths cost O(1): `plan()` looks every
 * destination up by name, and a lookup that scans the service's destination
 * list makes one plan O(d²) for a service of d destinations.
 */
import { describe, expect, it } from 'vitest';
import { createBalancer } from './balancer.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import { createFakeBackend } from './testing/fake-backend.js';
import { createScriptedProbes } from './testing/scripted-probe.js';

const bigService = (n: number): Service => ({
  name: 'big',
  key: { vip: '2001:db8::10', port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: Array.from({ length: n }, (_, i) => ({
    name: `d${i}`,
    address: `2001:db8:1::${(i + 1).toString(16)}`,
    port: 80,
    weight: 1,
  })),
  probe: { kind: 'tcp' },
  health: DEFAULT_HEALTH,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
});

/** Fastest of three first (full) `desired()` runs, each on a new balancer (ms). */
function planMs(n: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const balancer = createBalancer({
      services: [bigService(n)],
      backend: createFakeBackend(),
      probes: createScriptedProbes().factory,
    });
    const started = performance.now();
    balancer.desired();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe('balancer at scale', () => {
  it('plans one service of 20,000 destinations in linear time (10x the destinations, not 100x the time)', () => {
    planMs(2_000); // warm up
    const small = planMs(2_000);
    const large = planMs(20_000);
    expect(large / Math.max(small, 0.05)).toBeLessThan(30);
    expect(large).toBeLessThan(500);
  });
});
