import { describe, expect, it } from 'vitest';
import { roleSteps } from './conntrackd-argv.js';
import type { SyncEvent } from './flow-sync.js';
import { createHa } from './ha.js';
import type { HaInput } from './options.js';
import { FakeSystem } from './testing/fake-system.js';
import { validateHaOptions } from './validate.js';

const runDir = '/run/lbkit-test';
const input: HaInput = {
  priority: 150,
  service: { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10/24'] },
  keepalived: { runDir, netns: 'lb1' },
  conntrackd: { interface: 'eth2', address: '192.0.2.1', peer: '192.0.2.2' },
};
const guard = { install: 'INSTALL\n', arm: 'ARM\n', disarm: 'DISARM\n', remove: 'REMOVE\n' };
const fifo = `${runDir}/notify.fifo`;

async function started(
  options: HaInput = input,
  fake = new FakeSystem(),
  answeringAtStart = false,
) {
  // conntrackd answers -s only once started (the first -s finds none left by an earlier run).
  let answering = answeringAtStart;
  const run = fake.run.bind(fake);
  const inputs: string[] = [];
  fake.run = async (argv, stdin) => {
    if (stdin !== undefined && argv.includes('nft')) inputs.push(stdin.trim());
    if (argv.at(-1) === '-s' && argv.includes('-C')) {
      fake.runs.push([...argv]);
      return { code: answering ? 0 : 1, output: answering ? '' : "can't connect" };
    }
    return run(argv, stdin);
  };
  const ha = createHa(options, { system: fake, guard })._unsafeUnwrap();
  const sync: SyncEvent[] = [];
  ha.on('sync', (e) => sync.push(e));
  const result = ha.start();
  await fake.advance(10);
  answering = true;
  await fake.advance(100);
  (await result)._unsafeUnwrap();
  return { ha, fake, sync, inputs };
}

const ctl = (fake: FakeSystem) =>
  fake.runs
    .filter((a) => a[0] === '/usr/sbin/conntrackd' && a.at(-1) !== '-s')
    .map((a) => a.at(-1));

describe('flow sync (conntrackd, the takeover guard)', () => {
  it('the standard sequences: master commits before it disarms; backup arms first', () => {
    expect(roleSteps('master', true)).toEqual(['commit', 'disarm', 'flush', 'resync', 'bulk']);
    expect(roleSteps('backup', true)).toEqual(['arm', 'purge', 'request']);
    expect(roleSteps('fault', true)).toEqual(['arm', 'purge']);
    expect(roleSteps('master', false)).toEqual(['commit', 'flush', 'resync', 'bulk']);
  });

  it('start: conntrackd.conf, conntrackd in the namespace (foreground), the guard installed armed, then keepalived', async () => {
    const { fake, inputs, ha } = await started();
    expect(fake.files.get(`${runDir}/conntrackd.conf`)).toMatch(
      /IPv4_Destination_Address 192\.0\.2\.2/,
    );
    const [conntrackd, keepalived] = fake.spawned();
    expect(conntrackd!.argv).toEqual([
      'ip',
      'netns',
      'exec',
      'lb1',
      '/usr/sbin/conntrackd',
      '-C',
      `${runDir}/conntrackd.conf`,
    ]);
    expect(keepalived!.argv).toContain('/usr/sbin/keepalived');
    expect(inputs).toEqual(['INSTALL']);
    expect(fake.runs.find((a) => a.includes('nft'))).toEqual([
      'ip',
      'netns',
      'exec',
      'lb1',
      'nft',
      '-f',
      '-',
    ]);
    expect(ha.status().flowSync).toMatchObject({
      guard: 'armed',
      conntrackd: { state: 'running' },
    });
  });

  it('role changes run the sequences, each step an event with its duration', async () => {
    const { fake, sync, inputs, ha } = await started();
    fake.writeFifo(fifo, 'INSTANCE "lbkit_vip" MASTER 150');
    await fake.advance(10);
    expect(ctl(fake)).toEqual(['-c', '-f', '-R', '-B']);
    expect(inputs.slice(1)).toEqual(['DISARM']);
    expect(sync.map((e) => `${e.role}:${e.step}:${e.ok}`)).toEqual([
      'master:commit:true',
      'master:disarm:true',
      'master:flush:true',
      'master:resync:true',
      'master:bulk:true',
      'master:done:true',
    ]);
    expect(sync.every((e) => typeof e.ms === 'number' && e.ms >= 0)).toBe(true);
    expect(ha.status().flowSync).toMatchObject({
      guard: 'disarmed',
      last: { role: 'master', ok: true },
    });
    fake.writeFifo(fifo, 'INSTANCE "lbkit_vip" BACKUP 150');
    await fake.advance(10);
    expect(ctl(fake).slice(4)).toEqual(['-t', '-n']);
    expect(inputs.at(-1)).toBe('ARM');
    expect(ha.status().flowSync?.guard).toBe('armed');
  });

  it('a failed commit is reported, and the guard is lifted anyway (flows picked up as without sync)', async () => {
    const fake = new FakeSystem();
    fake.results.push({
      match: /conntrackd -C \S+ -c$/,
      code: 1,
      output: "can't connect: is conntrackd running?",
    });
    const { sync, ha } = await started(input, fake);
    fake.writeFifo(fifo, 'INSTANCE "lbkit_vip" MASTER 150');
    await fake.advance(10);
    expect(sync[0]).toMatchObject({
      step: 'commit',
      ok: false,
      message: "can't connect: is conntrackd running?",
    });
    expect(sync[1]).toMatchObject({ step: 'disarm', ok: true });
    expect(sync.at(-1)).toMatchObject({ step: 'done', ok: false });
    expect(ha.status().flowSync?.guard).toBe('disarmed');
  });

  it('conntrackd dies: restarted after restartDelay, its stale lock removed first', async () => {
    const { fake, ha } = await started();
    const events: string[] = [];
    ha.on('conntrackd', (e) => events.push(e.state));
    const [conntrackd] = fake.spawned();
    fake.files.set(`${runDir}/conntrackd.lock`, '');
    fake.die(conntrackd!.pid, null, 'SIGKILL');
    await fake.advance(150);
    expect(fake.spawned().length).toBe(2);
    await fake.advance(100);
    expect(fake.spawned().length).toBe(3);
    expect(fake.files.has(`${runDir}/conntrackd.lock`)).toBe(false);
    expect(events).toEqual(['restarting', 'running']);
    expect(ha.status().flowSync?.conntrackd.restarts).toBe(1);
  });

  it('stop: keepalived first, then the guard removed and conntrackd stopped', async () => {
    const { fake, ha, inputs } = await started();
    await ha.stop();
    expect(inputs.at(-1)).toBe('REMOVE');
    expect(fake.spawned().every((p) => !p.alive)).toBe(true);
  });

  it('attach: the operator runs conntrackd; lbkit writes the file its commands read and talks to the socket', async () => {
    const attach: HaInput = { ...input, conntrackd: { ...input.conntrackd!, mode: 'attach' } };
    const { fake } = await started(attach, new FakeSystem(), true);
    // keepalived alone was started (it enters the namespace itself: -s).
    expect(fake.spawned().map((p) => p.argv[0])).toEqual(['/usr/sbin/keepalived']);
    expect(fake.files.get(`${runDir}/conntrackd.conf`)).toMatch(
      /Path \/run\/lbkit-test\/conntrackd\.ctl/,
    );
  });

  it('options: the guard needs its scripts; addresses, family and socket path are checked', () => {
    expect(createHa(input, { system: new FakeSystem() })._unsafeUnwrapErr().message).toMatch(
      /conntrackd\.guard needs the guard scripts/,
    );
    expect(
      createHa(
        { ...input, conntrackd: { ...input.conntrackd!, guard: false } },
        { system: new FakeSystem() },
      ).isOk(),
    ).toBe(true);
    const issues = validateHaOptions({
      ...input,
      conntrackd: {
        interface: 'eth 2',
        address: '192.0.2.1',
        peer: '2001:db8::2',
        port: 0,
        flows: ['x', '198.51.100.0/24', '198.51.100.0/24'],
        extra: 1,
      },
    })
      ._unsafeUnwrapErr()
      .map((i) => `${i.field}: ${i.message}`);
    expect(issues.join('\n')).toMatch(/conntrackd\.extra/);
    expect(issues.join('\n')).toMatch(/conntrackd\.interface/);
    expect(issues.join('\n')).toMatch(/conntrackd\.peer: .*IPv4 like address/);
    expect(issues.join('\n')).toMatch(/conntrackd\.port/);
    expect(issues.join('\n')).toMatch(/conntrackd\.flows\[0\]/);
    expect(issues.join('\n')).toMatch(/conntrackd\.flows\[2\].*repeats/);
    const long = validateHaOptions({ ...input, keepalived: { runDir: `/run/${'x'.repeat(100)}` } });
    expect(long._unsafeUnwrapErr()[0]!.message).toMatch(/too long for conntrackd's control socket/);
  });
});
