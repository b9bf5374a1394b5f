import { errAsync, okAsync } from 'neverthrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Backend, backendError, type DriftReport } from './backend.js';
import { createBalancer } from './balancer.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import { plan } from './plan.js';
import { createFakeBackend } from './testing/fake-backend.js';
import { createScriptedProbes } from './testing/scripted-probe.js';

const health = {
  ...DEFAULT_HEALTH,
  interval: 1000,
  fastInterval: 100,
  downInterval: 1000,
  jitter: 0,
  rise: 2,
  fall: 2,
};

const web: Service = {
  name: 'web',
  key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: [
    { name: 'a', address: '198.51.100.1', port: 80, weight: 1 },
    { name: 'b', address: '198.51.100.2', port: 80, weight: 1 },
  ],
  probe: { kind: 'tcp' },
  health,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
};
const dns: Service = {
  ...web,
  name: 'dns',
  key: { vip: '192.0.2.10', port: 53, protocol: 'udp' },
  destinations: [{ name: 'a', address: '198.51.100.1', port: 80, weight: 1 }],
};

const serving = (backend: ReturnType<typeof createFakeBackend>, service = 'web') =>
  [...backend.kernel.services.values()]
    .find((s) => s.name === service)
    ?.destinations.filter((d) => d.weight > 0)
    .map((d) => d.name);

describe('balancer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  const setup = (services: Service[] = [web]) => {
    const probes = createScriptedProbes();
    const backend = createFakeBackend();
    const balancer = createBalancer({ services, backend, probes: probes.factory, random: () => 0 });
    return { probes, backend, balancer };
  };

  it('starts with nothing served (unknown), then serves after the first verdicts', async () => {
    const { backend, balancer } = setup();
    const ready = vi.fn();
    balancer.on('ready', ready);
    expect((await balancer.start()).isOk()).toBe(true);
    expect(serving(backend)).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    await balancer.settled();
    expect(serving(backend)).toEqual(['a', 'b']);
    expect(balancer.ready).toBe(true);
    expect(ready).toHaveBeenCalledOnce();
    await balancer.stop();
  });

  it('fails over and back, emitting health, empty and nonEmpty events', async () => {
    const { probes, backend, balancer } = setup();
    const events: string[] = [];
    balancer.on('health', (e) => events.push(`${e.destination}:${e.from}->${e.to}`));
    balancer.on('empty', (e) => events.push(`empty:${e.service}`));
    balancer.on('nonEmpty', (e) => events.push(`nonEmpty:${e.service}`));
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10);
    probes.set('198.51.100.1', 'fail');
    await vi.advanceTimersByTimeAsync(1100);
    await balancer.settled();
    expect(serving(backend)).toEqual(['b']);
    probes.set('198.51.100.2', 'fail');
    await vi.advanceTimersByTimeAsync(1100);
    await balancer.settled();
    expect(serving(backend)).toEqual([]);
    probes.set('198.51.100.1', 'ok');
    await vi.advanceTimersByTimeAsync(1100);
    await balancer.settled();
    expect(serving(backend)).toEqual(['a']);
    expect(events).toEqual([
      'a:unknown->up',
      'b:unknown->up',
      'nonEmpty:web',
      'a:up->down',
      'b:up->down',
      'empty:web',
      'a:down->up',
      'nonEmpty:web',
    ]);
    await balancer.stop();
  });

  it('shares one check between services with the same target and spec', async () => {
    const { probes, balancer } = setup([web, dns]);
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10);
    // dns/a and web/a differ in protocol, so they are two checks; web/b is a third.
    expect(new Set(probes.calls).size).toBe(2);
    expect(probes.calls.length).toBe(3);
    const sameProto = { ...dns, key: { ...dns.key, protocol: 'tcp' as const } };
    balancer.reload([web, sameProto]);
    const before = probes.calls.length;
    await vi.advanceTimersByTimeAsync(1000);
    expect(probes.calls.length - before).toBe(2); // a (shared) + b
    await balancer.stop();
  });

  it('drain keeps weight 0, disable removes, enable restores', async () => {
    const { backend, balancer } = setup();
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10);
    const weights = () =>
      backend.kernel.services
        .get('192.0.2.10:80/tcp')!
        .destinations.map((d) => `${d.name}=${d.weight}`);
    expect(balancer.drain('web', 'a').isOk()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await balancer.settled();
    expect(weights()).toEqual(['a=0', 'b=1']);
    balancer.disable('web', 'a');
    await vi.advanceTimersByTimeAsync(1);
    await balancer.settled();
    expect(weights()).toEqual(['b=1']);
    balancer.enable('web', 'a');
    await vi.advanceTimersByTimeAsync(1);
    await balancer.settled();
    expect(weights()).toEqual(['a=1', 'b=1']);
    expect(balancer.drain('web', 'zz').isErr()).toBe(true);
    expect(balancer.drain('nope', 'a')._unsafeUnwrapErr().kind).toBe('not-found');
    await balancer.stop();
  });

  it('runtime API: add/remove services and destinations, reload applies only the difference', async () => {
    const { backend, balancer } = setup();
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(balancer.addService(web).isErr()).toBe(true);
    expect(balancer.addService(dns)._unsafeUnwrap()).toEqual({
      added: ['dns'],
      removed: [],
      updated: [],
    });
    expect(
      balancer
        .addDestination('web', { name: 'c', address: '198.51.100.3', port: 80, weight: 2 })
        .isOk(),
    ).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    await balancer.settled();
    expect(serving(backend)).toEqual(['a', 'b', 'c']);
    expect(serving(backend, 'dns')).toEqual(['a']);
    balancer.removeDestination('web', 'b');
    const change = balancer.reload([...balancer.services().filter((s) => s.name !== 'dns')]);
    expect(change._unsafeUnwrap()).toEqual({ added: [], removed: ['dns'], updated: [] });
    await vi.advanceTimersByTimeAsync(10);
    await balancer.settled();
    expect(serving(backend)).toEqual(['a', 'c']);
    expect(serving(backend, 'dns')).toBeUndefined();
    expect(balancer.reload([web, { ...dns, key: web.key }])._unsafeUnwrapErr().kind).toBe(
      'duplicate',
    );
    await balancer.stop();
  });

  it('retries a failing backend and reports applyFailed', async () => {
    let fail = false;
    const probes = createScriptedProbes();
    const backend = createFakeBackend({
      failNext: () => (fail ? backendError('rejected', 'kernel said no') : undefined),
    });
    const balancer = createBalancer({
      services: [web],
      backend,
      probes: probes.factory,
      random: () => 0,
      retry: { initialMs: 50, maxMs: 50 },
    });
    const failures = vi.fn();
    balancer.on('applyFailed', failures);
    await balancer.start();
    fail = true;
    await vi.advanceTimersByTimeAsync(120);
    expect(failures.mock.calls.length).toBeGreaterThanOrEqual(2);
    fail = false;
    await vi.advanceTimersByTimeAsync(60);
    await balancer.settled();
    expect(serving(backend)).toEqual(['a', 'b']);
    await balancer.stop();
  });

  it("emits each of the backend's ApplyReport.warnings as a warning event, at start and on later applies", async () => {
    const probes = createScriptedProbes();
    const fake = createFakeBackend();
    let said = ['VIP 192.0.2.10 is not local'];
    const backend: Backend = {
      ...fake,
      apply: (desired) =>
        fake.apply(desired).map((report) => {
          const warnings = said;
          said = [];
          return { ...report, warnings };
        }),
    };
    const balancer = createBalancer({
      services: [web],
      backend,
      probes: probes.factory,
      random: () => 0,
    });
    const warnings: string[] = [];
    balancer.on('warning', (e) => warnings.push(`${e.source}: ${e.message}`));
    expect((await balancer.start()).isOk()).toBe(true);
    expect(warnings).toEqual(['backend: VIP 192.0.2.10 is not local']);
    await vi.advanceTimersByTimeAsync(10);
    said = ['second', 'third'];
    balancer.drain('web', 'a');
    await vi.advanceTimersByTimeAsync(1);
    await balancer.settled();
    expect(warnings).toEqual([
      'backend: VIP 192.0.2.10 is not local',
      'backend: second',
      'backend: third',
    ]);
    await balancer.stop();
  });

  it('start() reports a backend that cannot apply, and starts nothing', async () => {
    const probes = createScriptedProbes();
    const backend = createFakeBackend({ failNext: () => backendError('unavailable', 'no nft') });
    const balancer = createBalancer({ services: [web], backend, probes: probes.factory });
    const result = await balancer.start();
    expect(result._unsafeUnwrapErr().kind).toBe('unavailable');
    await vi.advanceTimersByTimeAsync(5000);
    expect(probes.calls).toEqual([]);
  });

  it('stop({ keep }) closes the backend keeping or removing kernel state', async () => {
    const a = setup();
    await a.balancer.start();
    await a.balancer.stop({ keep: true });
    expect(a.backend.kernel.services.size).toBe(1);
    const b = setup();
    await b.balancer.start();
    await b.balancer.stop();
    expect(b.backend.kernel.services.size).toBe(0);
    expect(b.balancer.addService(dns)._unsafeUnwrapErr().kind).toBe('stopped');
  });

  it('re-plans only what changed: the other desired services are the same objects, the state equals a full plan', async () => {
    const { probes, backend, balancer } = setup([web, dns]);
    const fullPlan = () =>
      plan(balancer.services(), (service, destination) => {
        const d = balancer
          .status()
          .find((v) => v.service.name === service)
          ?.destinations.find((x) => x.name === destination);
        return d && { health: d.health, admin: d.admin };
      });
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10);
    await balancer.settled();
    const before = backend.applied.at(-1)!;
    probes.set('198.51.100.2', 'fail');
    await vi.advanceTimersByTimeAsync(1100);
    await balancer.settled();
    const after = backend.applied.at(-1)!;
    expect(after).not.toBe(before);
    expect(after.services.find((s) => s.name === 'dns')).toBe(
      before.services.find((s) => s.name === 'dns'),
    );
    expect(after.services.find((s) => s.name === 'web')?.destinations.map((d) => d.name)).toEqual([
      'a',
    ]);
    expect(after).toEqual(fullPlan());
    expect(balancer.drain('dns', 'a').isOk()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await balancer.settled();
    expect(backend.applied.at(-1)!.services.find((s) => s.name === 'web')).toBe(
      after.services.find((s) => s.name === 'web'),
    );
    expect(balancer.removeService('web').isOk()).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    await balancer.settled();
    expect(backend.applied.at(-1)).toEqual(fullPlan());
    expect(backend.applied.at(-1)!.services.map((s) => s.name)).toEqual(['dns']);
    await balancer.stop();
  });
});

describe('balancer drift checks', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('checks every driftCheckIntervalMs, reports findings and failures (each failure once)', async () => {
    const fake = createFakeBackend();
    const script: Array<DriftReport | 'fail'> = [
      { found: [], repaired: false, method: 'generation', durationMs: 0 },
      { found: ['table inet lbkit is missing'], repaired: true, method: 'read', durationMs: 3 },
      'fail',
      'fail',
      { found: [], repaired: false, method: 'generation', durationMs: 0 },
    ];
    let checks = 0;
    const backend: Backend = {
      ...fake,
      driftCheckIntervalMs: 1000,
      checkDrift: () => {
        const next = script[checks++] ?? script.at(-1)!;
        return next === 'fail'
          ? errAsync(backendError('unavailable', 'netlink socket: EPERM'))
          : okAsync(next);
      },
    };
    const probes = createScriptedProbes();
    const balancer = createBalancer({ services: [web], backend, probes: probes.factory });
    const drift: unknown[] = [];
    balancer.on('drift', (e) => drift.push(e.error ? `error ${e.error.message}` : e.found));
    const outcomes: string[] = [];
    balancer.on('driftChecked', (e) => outcomes.push(e.outcome));
    await balancer.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(checks).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(checks).toBe(5);
    expect(drift).toEqual([['table inet lbkit is missing'], 'error netlink socket: EPERM']);
    expect(outcomes).toEqual(['clean', 'drift', 'failed', 'failed', 'clean']);
    await balancer.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(checks).toBe(5);
  });

  it('runs no check for a backend without checkDrift or with interval 0', async () => {
    const fake = createFakeBackend();
    const checkDrift = vi.fn(() =>
      okAsync<DriftReport>({ found: [], repaired: false, method: 'none', durationMs: 0 }),
    );
    const balancer = createBalancer({
      services: [web],
      backend: { ...fake, driftCheckIntervalMs: 0, checkDrift },
      probes: createScriptedProbes().factory,
    });
    await balancer.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(checkDrift).not.toHaveBeenCalled();
    await balancer.stop();
  });
});

describe('balancer runtime validation', () => {
  it('rejects hostile or invalid services and destinations before any apply', async () => {
    const probes = createScriptedProbes();
    const backend = createFakeBackend();
    const balancer = createBalancer({ services: [web], backend, probes: probes.factory });
    await balancer.start();
    const applies = backend.applied.length;
    const hostile = balancer.addService({ ...dns, name: 'x; delete table inet fw' });
    expect(hostile._unsafeUnwrapErr().kind).toBe('invalid');
    expect(hostile._unsafeUnwrapErr().message).toContain('x; delete table inet fw');
    const badAddress = balancer.addDestination('web', {
      name: 'c',
      address: '010.0.0.1',
      port: 80,
      weight: 1,
    });
    expect(badAddress._unsafeUnwrapErr().kind).toBe('invalid');
    const mixed = balancer.addDestination('web', {
      name: 'c',
      address: '2001:db8::1',
      port: 80,
      weight: 1,
    });
    expect(mixed.isErr()).toBe(true);
    expect(balancer.services()).toEqual([web]);
    await balancer.settled();
    expect(backend.applied.length).toBe(applies);
    await balancer.stop();
  });
});
