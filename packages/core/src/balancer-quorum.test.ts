/** Quorum events and status through the balancer (fake backend, scripted probes). */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBalancer } from './balancer.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import { createFakeBackend } from './testing/fake-backend.js';
import { createScriptedProbes } from './testing/scripted-probe.js';

const web: Service = {
  name: 'web',
  key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: ['a', 'b', 'c'].map((name, i) => ({
    name,
    address: `198.51.100.${i + 1}`,
    port: 80,
    weight: 1,
  })),
  probe: { kind: 'tcp' },
  health: { ...DEFAULT_HEALTH, interval: 1000, fastInterval: 100, jitter: 0, rise: 1, fall: 1 },
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
  quorum: 2,
  sorry: { name: 'sorry', address: '198.51.100.99', port: 80, weight: 1 },
};

describe('balancer quorum', () => {
  beforeEach(() =>
    vi.useFakeTimers({
      now: 0,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    }),
  );
  afterEach(() => vi.useRealTimers());

  it('loses and regains the quorum with events; the sorry server serves only in between', async () => {
    const probes = createScriptedProbes();
    const backend = createFakeBackend();
    const balancer = createBalancer({ services: [web], backend, probes: probes.factory });
    const events: string[] = [];
    balancer.on('quorumLost', (e) => events.push(`lost ${e.live}/${e.required} ${e.sorry}`));
    balancer.on('quorumRegained', (e) => events.push(`regained ${e.live}/${e.required}`));
    const kernel = () =>
      [...backend.kernel.services.values()][0]!.destinations
        .filter((d) => d.weight > 0)
        .map((d) => d.name);
    await balancer.start();
    await vi.advanceTimersByTimeAsync(50);
    await balancer.settled();
    expect(kernel()).toEqual(['a', 'b', 'c']);
    // Before the first verdicts nothing is live: the sorry server served the start.
    expect(events).toEqual([expect.stringMatching(/^regained/)]);
    events.length = 0;
    probes.set('198.51.100.1', 'fail');
    await vi.advanceTimersByTimeAsync(1100);
    await balancer.settled();
    expect(kernel()).toEqual(['b', 'c']);
    expect(events).toEqual([]);
    probes.set('198.51.100.2', 'fail');
    await vi.advanceTimersByTimeAsync(1100);
    await balancer.settled();
    expect(kernel()).toEqual(['sorry']);
    expect(events).toEqual(['lost 1/2 sorry']);
    const view = balancer.status()[0]!;
    expect(view.quorumStatus).toEqual({ live: 1, required: 2, met: false });
    expect(view.destinations.some((d) => d.serving)).toBe(false);
    expect(view.empty).toBe(false);
    probes.set('198.51.100.1', 'ok');
    await vi.advanceTimersByTimeAsync(1100);
    await balancer.settled();
    expect(kernel()).toEqual(['a', 'c']);
    expect(events).toEqual(['lost 1/2 sorry', 'regained 2/2']);
    await balancer.stop();
  });
});
