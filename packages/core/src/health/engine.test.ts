import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_HEALTH, type HealthSettings, type ProbeSpec } from '../model.js';
import type { Probe, ProbeError, ProbeOk } from '../probe.js';
import { createScriptedProbes } from '../testing/scripted-probe.js';
import { stableJson } from './check-key.js';
import { createHealthEngine } from './engine.js';
import { MAX_IDENTITY_CHARS } from './safe-text.js';
import type { CheckDefinition, CheckResult } from './types.js';

const settings: HealthSettings = {
  ...DEFAULT_HEALTH,
  interval: 1000,
  fastInterval: 100,
  downInterval: 2000,
  timeout: 500,
  rise: 2,
  fall: 2,
  jitter: 0,
};

const def = (
  address: string,
  extra: Partial<HealthSettings> = {},
  spec: ProbeSpec = { kind: 'tcp' },
): CheckDefinition => {
  const target = { address, port: 80 };
  const s = { ...settings, ...extra };
  return { key: stableJson({ spec, target, s }), spec, protocol: 'tcp', target, settings: s };
};

/** Scripted probes, with the factory also usable as a probe. */
function scriptedProbe() {
  const s = createScriptedProbes();
  return {
    probe: s.factory({ kind: 'tcp' }, { protocol: 'tcp' }),
    behaviour: { set: s.set },
    calls: s.calls,
    get maxInFlight() {
      return s.maxInFlight;
    },
  };
}

describe('health engine', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('runs identical checks once (dedupe) and creates one probe per spec', async () => {
    const s = scriptedProbe();
    const factory = vi.fn(() => s.probe);
    const engine = createHealthEngine({ probes: factory, random: () => 0 });
    engine.update([def('198.51.100.1'), def('198.51.100.1'), def('198.51.100.2')]);
    expect(engine.size).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect([...s.calls].sort()).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(factory).toHaveBeenCalledTimes(1);
    engine.stop();
  });

  it('goes down after fall failures using the fast interval, up after rise', async () => {
    const s = scriptedProbe();
    const engine = createHealthEngine({ probes: () => s.probe, random: () => 0 });
    const transitions: string[] = [];
    engine.on('transition', (t) =>
      transitions.push(`${t.from}->${t.to}@${Date.now() - 1_000_000}`),
    );
    const d = def('198.51.100.1');
    engine.update([d]);
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.status(d.key)?.state).toBe('up');
    s.behaviour.set('198.51.100.1', 'fail');
    await vi.advanceTimersByTimeAsync(1000); // steady interval: first failure at t=1000
    expect(engine.status(d.key)).toMatchObject({ state: 'up', failures: 1 });
    await vi.advanceTimersByTimeAsync(100); // fast interval: second failure at t=1100
    expect(engine.status(d.key)?.state).toBe('down');
    s.behaviour.set('198.51.100.1', 'ok');
    await vi.advanceTimersByTimeAsync(2000); // down interval
    expect(engine.status(d.key)).toMatchObject({ state: 'down', successes: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(transitions).toEqual(['unknown->up@0', 'up->down@1100', 'down->up@3200']);
    engine.stop();
  });

  it('spreads the first checks over the jitter window', async () => {
    const s = scriptedProbe();
    const randoms = [0.1, 0.9];
    const engine = createHealthEngine({
      probes: () => s.probe,
      random: () => randoms.shift() ?? 0,
    });
    engine.update([def('198.51.100.1', { jitter: 1000 }), def('198.51.100.2', { jitter: 1000 })]);
    await vi.advanceTimersByTimeAsync(150);
    expect(s.calls).toEqual(['198.51.100.1']);
    await vi.advanceTimersByTimeAsync(800);
    expect(s.calls).toEqual(['198.51.100.1', '198.51.100.2']);
    engine.stop();
  });

  it('bounds concurrency; hung targets do not delay healthy ones beyond the timeout', async () => {
    const s = scriptedProbe();
    const engine = createHealthEngine({ probes: () => s.probe, concurrency: 3, random: () => 0 });
    const hung = Array.from({ length: 5 }, (_, i) => def(`203.0.113.${i + 1}`));
    for (const h of hung) s.behaviour.set(h.target.address, 'hang');
    const healthy = def('198.51.100.1', { interval: 100 });
    engine.update([...hung, healthy]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.maxInFlight).toBeLessThanOrEqual(3);
    const healthyRuns = engine.status(healthy.key)!.runs;
    // Hung checks hold slots for timeout + grace (600 ms) at most; the healthy one keeps running.
    expect(healthyRuns).toBeGreaterThan(10);
    for (const h of hung) {
      expect(engine.status(h.key)?.state).toBe('down');
      expect(engine.status(h.key)?.lastResult?.error?.kind).toBe('timeout');
    }
    engine.stop();
  });

  it('emits ready once every check has a verdict', async () => {
    const s = scriptedProbe();
    const engine = createHealthEngine({ probes: () => s.probe, random: () => 0.5 });
    const ready = vi.fn();
    engine.on('ready', ready);
    engine.update([def('198.51.100.1', { jitter: 100 }), def('198.51.100.2', { jitter: 400 })]);
    expect(engine.ready).toBe(false);
    await vi.advanceTimersByTimeAsync(60);
    expect(engine.ready).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(engine.ready).toBe(true);
    expect(ready).toHaveBeenCalledTimes(1);
    engine.stop();
  });

  it('stops and aborts checks that are removed', async () => {
    const s = scriptedProbe();
    const engine = createHealthEngine({ probes: () => s.probe, random: () => 0 });
    const a = def('198.51.100.1');
    s.behaviour.set('198.51.100.1', 'hang');
    engine.update([a]);
    await vi.advanceTimersByTimeAsync(10);
    engine.update([]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.calls).toHaveLength(1);
    expect(engine.status(a.key)).toBeUndefined();
    expect(vi.getTimerCount()).toBe(1); // only the watchdog is left
    engine.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports a stall when no check finishes for watchdogMs', async () => {
    const s = scriptedProbe();
    const engine = createHealthEngine({ probes: () => s.probe, watchdogMs: 1000, random: () => 0 });
    const stalls: number[] = [];
    engine.on('watchdog', (w) => stalls.push(w.stalledMs));
    engine.update([def('198.51.100.1', { interval: 60_000, jitter: 0 })]);
    await vi.advanceTimersByTimeAsync(900);
    expect(stalls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(stalls.length).toBe(1);
    expect(stalls[0]).toBeGreaterThan(1000);
    engine.stop();
  });

  it('closes probes that no check uses any more, and all of them on stop', async () => {
    const closed: string[] = [];
    const factory = (spec: ProbeSpec) => ({
      description: spec.kind,
      check: scriptedProbe().probe.check,
      close: () => {
        closed.push(spec.kind);
      },
    });
    const engine = createHealthEngine({ probes: factory, random: () => 0 });
    const http: ProbeSpec = { kind: 'http' };
    engine.update([def('198.51.100.1'), def('198.51.100.2', {}, http)]);
    engine.update([def('198.51.100.1')]);
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toEqual(['http']);
    engine.stop();
    await vi.advanceTimersByTimeAsync(1);
    expect(closed).toEqual(['http', 'tcp']);
  });

  it('a throwing listener does not break the engine', async () => {
    const s = scriptedProbe();
    const engine = createHealthEngine({ probes: () => s.probe, random: () => 0 });
    engine.on('result', () => {
      throw new Error('listener bug');
    });
    const d = def('198.51.100.1', { interval: 100 });
    engine.update([d]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(engine.status(d.key)!.runs).toBeGreaterThan(5);
    engine.stop();
  });

  it('escapes and caps what a probe reports before it enters an event (forged TXT, 64 KB text)', async () => {
    const forged = `=ns1=\n<0>forged line\u001b[2J${'x'.repeat(65_536)}`;
    const answers: Array<() => ResultAsync<ProbeOk, ProbeError>> = [
      () => okAsync({ latencyMs: 1, identity: forged }),
      () => errAsync({ kind: 'mismatch', message: forged, latencyMs: 1 }),
      () => errAsync({ kind: '<0>evil\n' as never, message: 'x', latencyMs: 1 }),
      () => {
        throw new Error(forged);
      },
    ];
    let call = 0;
    const probe: Probe = {
      description: 'hostile',
      check: () => answers[Math.min(call++, answers.length - 1)]!(),
    };
    const engine = createHealthEngine({ probes: () => probe, random: () => 0 });
    const results: CheckResult[] = [];
    const reasons: string[] = [];
    engine.on('result', (r) => results.push(r.result));
    engine.on('transition', (t) => reasons.push(t.reason));
    engine.update([
      def('198.51.100.1', { interval: 100, fastInterval: 100, downInterval: 100, fall: 1 }),
    ]);
    await vi.advanceTimersByTimeAsync(450);
    engine.stop();
    expect(results.length).toBeGreaterThanOrEqual(4);
    const texts = [
      ...results.map((r) => r.identity ?? r.error?.message ?? ''),
      ...results.map((r) => r.error?.kind ?? 'ok'),
      ...reasons,
    ];
    for (const text of texts) {
      expect(text).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(text.length).toBeLessThanOrEqual(600);
    }
    expect(results[0]?.identity).toMatch(/^=ns1=\\n<0>forged line\\u001b\[2Jx+…$/);
    expect(results[0]?.identity).toHaveLength(MAX_IDENTITY_CHARS);
    expect(results[2]?.error?.kind).toBe('internal');
    expect(results[3]?.error).toMatchObject({
      kind: 'internal',
      message: expect.stringMatching(/^=ns1=\\n/),
    });
  });
});
