import { type Balancer, type BalancerEvents, type ServiceView, TypedEmitter } from '@lbkit/core';
import { describe, expect, it } from 'vitest';
import { createHa, type HaEvents } from './ha.js';
import type { HaInput } from './options.js';
import { FakeSystem } from './testing/fake-system.js';

const runDir = '/run/lbkit-test';
const level3: HaInput = {
  priority: 150,
  service: { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10/24'] },
  inner: { interface: 'eth1', virtualRouterId: 52, vips: ['198.51.100.1/24'] },
  keepalived: { runDir },
};
const fifo = `${runDir}/notify.fifo`;
const track = `${runDir}/health`;

async function started(input: HaInput = level3, fake = new FakeSystem()) {
  const ha = createHa(input, { system: fake })._unsafeUnwrap();
  const events: { [K in keyof HaEvents]?: HaEvents[K][] } = {};
  for (const name of ['role', 'keepalived', 'health', 'vipsRemoved', 'problem'] as const) {
    const list: unknown[] = [];
    ha.on(name, (e) => {
      list.push(e);
      events[name] = list as never;
    });
  }
  const result = ha.start();
  await fake.advance(10);
  (await result)._unsafeUnwrap();
  return { ha, fake, events };
}

/** A balancer stand-in: events and readiness on demand. */
function fakeBalancer(views: ServiceView[] = []) {
  const emitter = new TypedEmitter<BalancerEvents>();
  let ready!: () => void;
  const whenReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const balancer = {
    on: (event: string, listener: (p: unknown) => void) => emitter.on(event, listener),
    whenReady: () => whenReady,
    settled: () => Promise.resolve(),
    status: () => views,
  } as unknown as Balancer;
  return { balancer, emitter, ready: () => ready() };
}

const keepalivedChild = (fake: FakeSystem) => fake.spawned().at(-1)!;

describe('createHa', () => {
  it('refuses invalid options with every issue', () => {
    const error = createHa({ priority: 0 } as unknown as HaInput)._unsafeUnwrapErr();
    expect(error.kind).toBe('invalid');
    expect(error.issues?.map((i) => i.path)).toEqual(['priority', 'service']);
  });

  it('start: unhealthy track file, the config, the FIFO, the process title, keepalived -t, keepalived', async () => {
    const { fake, events } = await started();
    expect(fake.files.get(track)).toBe('0\n');
    expect(fake.files.get(`${runDir}/keepalived.conf`)).toMatch(/vrrp_sync_group lbkit/);
    expect(fake.fifos.get(fifo)).toBeTypeOf('function');
    expect(fake.title).toBe('lbkit');
    expect(fake.runs[0]).toEqual(['/usr/sbin/keepalived', '-t', '-f', `${runDir}/keepalived.conf`]);
    expect(keepalivedChild(fake).argv).toEqual([
      '/usr/sbin/keepalived',
      '-n',
      '-l',
      '-G',
      '-P',
      '-f',
      `${runDir}/keepalived.conf`,
      '-p',
      `${runDir}/keepalived.pid`,
      '-r',
      `${runDir}/vrrp.pid`,
      '-c',
      `${runDir}/checkers.pid`,
    ]);
    expect(events.keepalived?.map((e) => e.state)).toEqual(['running']);
    expect(events.health?.[0]).toMatchObject({ healthy: false, reasons: ['starting'] });
  });

  it('with netns, keepalived enters it itself (-s); with launchNetns, it is started from there', async () => {
    const fake = new FakeSystem();
    await started(
      { ...level3, keepalived: { runDir, netns: 'lbkh1-b1', launchNetns: 'lbkh1-host' } },
      fake,
    );
    expect(keepalivedChild(fake).argv.slice(0, 7)).toEqual([
      'ip',
      'netns',
      'exec',
      'lbkh1-host',
      '/usr/sbin/keepalived',
      '-s',
      'lbkh1-b1',
    ]);
    expect(fake.runs[0]?.slice(0, 4)).toEqual(['ip', 'netns', 'exec', 'lbkh1-b1']);
  });

  it('fails to start when keepalived -t refuses the config, and keeps nothing open', async () => {
    const fake = new FakeSystem();
    fake.results.push({ match: / -t /, code: 5, output: "(x: Line 3) Unknown keyword 'y'" });
    const ha = createHa(level3, { system: fake })._unsafeUnwrap();
    const error = (await ha.start())._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'keepalived' });
    expect(error.message).toMatch(/Unknown keyword/);
    expect(fake.fifos.get(fifo)).toBeUndefined();
    expect(fake.spawned()).toEqual([]);
  });
});

describe('roles from the notify FIFO', () => {
  it('follows the sync group; instance lines carry the priority', async () => {
    const { fake, ha, events } = await started();
    fake.writeFifo(fifo, 'INSTANCE "lbkit_vip" BACKUP 150');
    fake.writeFifo(fifo, 'INSTANCE "lbkit_inner" BACKUP 150');
    fake.writeFifo(fifo, 'GROUP "lbkit" BACKUP 0');
    fake.writeFifo(fifo, 'INSTANCE "lbkit_vip" MASTER 150');
    fake.writeFifo(fifo, 'GROUP "lbkit" MASTER 0');
    fake.writeFifo(fifo, 'INSTANCE "other" FAULT 10');
    expect(events.role?.map((e) => `${e.previous}->${e.role}`)).toEqual([
      'unknown->backup',
      'backup->master',
    ]);
    expect(events.role?.[1]).toMatchObject({
      source: 'keepalived',
      priority: 150,
      reason: 'GROUP "lbkit" MASTER 0',
    });
    expect(ha.status()).toMatchObject({
      role: 'master',
      priority: 150,
      instances: { lbkit_vip: { state: 'MASTER' }, lbkit_inner: { state: 'BACKUP' } },
    });
  });

  it('a lone instance is the role; priority events change only the priority', async () => {
    const { inner: _, ...lone } = level3;
    const { fake, ha, events } = await started(lone);
    fake.writeFifo(fifo, 'INSTANCE "lbkit_vip" FAULT 150');
    fake.writeFifo(fifo, 'INSTANCE "lbkit_vip" MASTER_PRIORITY 90');
    expect(ha.status()).toMatchObject({ role: 'fault', priority: 90 });
    fake.writeFifo(fifo, 'garbage');
    expect(events.problem?.[0]?.message).toMatch(/not a keepalived line/);
  });
});

describe('lbkit health into the track file', () => {
  it('healthy once ready; an apply failure or an empty service (when asked) makes it 0', async () => {
    const views = [
      { service: { name: 'dns' }, destinations: [], empty: false },
    ] as unknown as ServiceView[];
    const { fake, ha } = await started({ ...level3, track: { emptyServices: ['dns'] } });
    const b = fakeBalancer(views);
    ha.watch(b.balancer);
    expect(fake.files.get(track)).toBe('0\n');
    b.ready();
    await fake.advance(1);
    expect(fake.files.get(track)).toBe('1\n');
    b.emitter.emit('applyFailed', {
      error: { kind: 'rejected', message: 'x' },
      attempt: 1,
      retryInMs: 200,
    });
    expect(fake.files.get(track)).toBe('0\n');
    expect(ha.status().reasons).toEqual(['apply-failed']);
    b.emitter.emit('applied', {
      report: { operations: 1, durationMs: 1, changedServices: [] },
      desired: { services: [] },
    });
    expect(fake.files.get(track)).toBe('1\n');
    b.emitter.emit('empty', { service: 'web' });
    expect(fake.files.get(track)).toBe('1\n');
    b.emitter.emit('empty', { service: 'dns' });
    expect(ha.status()).toMatchObject({ healthy: false, reasons: ['service-empty:dns'] });
    b.emitter.emit('nonEmpty', { service: 'dns' });
    expect(ha.status().healthy).toBe(true);
  });

  it('stop gives the VIP away first (0 in the file, waits for keepalived to leave MASTER), then SIGTERM', async () => {
    const { fake, ha, events } = await started();
    ha.setReason('starting', false);
    fake.writeFifo(fifo, 'GROUP "lbkit" MASTER 0');
    const child = keepalivedChild(fake);
    const stopping = ha.stop();
    await fake.advance(1);
    expect(fake.files.get(track)).toBe('0\n');
    expect(child.signals).toEqual([]);
    fake.writeFifo(fifo, 'GROUP "lbkit" FAULT 0');
    await fake.advance(1);
    expect(child.signals).toEqual(['SIGTERM']);
    (await stopping)._unsafeUnwrap();
    expect(events.role?.map((e) => e.role)).toEqual(['master', 'fault', 'stop']);
    expect(ha.status().keepalived.state).toBe('stopped');
  });
});

describe('only keepalived died', () => {
  async function masterThenKilled() {
    const s = await started();
    s.fake.writeFifo(fifo, 'GROUP "lbkit" MASTER 0');
    s.fake.addresses.add('203.0.113.10/24 dev eth0');
    s.fake.addresses.add('198.51.100.1/24 dev eth1');
    const vrrp = s.fake.addProcess();
    s.fake.files.set(`${runDir}/vrrp.pid`, String(vrrp.pid));
    return { ...s, vrrp, parent: keepalivedChild(s.fake) };
  }

  it('SIGKILL of both processes: lbkit removes the VIPs it knows, reports stop, restarts keepalived', async () => {
    const { fake, ha, events, vrrp, parent } = await masterThenKilled();
    const before = fake.runs.length;
    fake.die(vrrp.pid, null, 'SIGKILL');
    fake.die(parent.pid, null, 'SIGKILL');
    await fake.advance(5);
    expect(fake.runs.slice(before)).toEqual([['ip', '-force', '-batch', '-']]);
    expect(fake.batches.at(-1)).toEqual([
      'address del 203.0.113.10/24 dev eth0',
      'address del 198.51.100.1/24 dev eth1',
    ]);
    expect(events.vipsRemoved?.at(-1)?.addresses.slice().sort()).toEqual([
      '198.51.100.1',
      '203.0.113.10',
    ]);
    expect(events.role?.at(-1)).toMatchObject({
      role: 'stop',
      source: 'lbkit',
      reason: 'keepalived killed by SIGKILL',
    });
    expect(ha.status().keepalived.state).toBe('restarting');
    await fake.advance(200);
    expect(fake.spawned()).toHaveLength(2);
    expect(ha.status().keepalived).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('a VRRP child outliving its parent releases the VIPs itself: lbkit waits for it first', async () => {
    const { fake, events, vrrp, parent } = await masterThenKilled();
    fake.die(parent.pid, null, 'SIGKILL');
    await fake.advance(100);
    expect(events.vipsRemoved).toBeUndefined();
    expect(events.role?.at(-1)?.role).toBe('master');
    // It released them (graceful exit): nothing left for lbkit to remove.
    fake.addresses.clear();
    fake.die(vrrp.pid, 0, null);
    await fake.advance(40);
    expect(events.role?.at(-1)?.role).toBe('stop');
    expect(events.vipsRemoved).toBeUndefined();
  });

  it('quick deaths back off (200, 400, 800 ms)', async () => {
    const { fake } = await started();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const diedAt = fake.time;
      fake.die(keepalivedChild(fake).pid, 1, null);
      const before = fake.spawned().length;
      while (fake.spawned().length === before) await fake.advance(10);
      delays.push(fake.time - diedAt);
    }
    expect(delays.map((d) => Math.round(d / 100) * 100)).toEqual([200, 400, 800]);
  });

  it('attached: the pid file going dead triggers the same cleanup, and no restart', async () => {
    const fake = new FakeSystem();
    const keepalived = fake.addProcess();
    fake.files.set(`${runDir}/keepalived.pid`, String(keepalived.pid));
    fake.addresses.add('203.0.113.10/24 dev eth0');
    fake.addresses.add('198.51.100.1/24 dev eth1');
    const { events } = await started({ ...level3, keepalived: { runDir, mode: 'attach' } }, fake);
    await fake.advance(150);
    expect(fake.files.has(`${runDir}/keepalived.conf`)).toBe(false);
    expect(events.keepalived?.map((e) => e.state)).toEqual(['absent', 'running']);
    fake.die(keepalived.pid, null, 'SIGKILL');
    await fake.advance(150);
    expect(events.vipsRemoved?.[0]?.addresses).toHaveLength(2);
    expect(events.role?.at(-1)?.role).toBe('stop');
    expect(events.keepalived?.map((e) => e.state)).toEqual([
      'absent',
      'running',
      'restarting',
      'absent',
    ]);
    expect(fake.spawned()).toEqual([]);
  });
});
