import { fileURLToPath } from 'node:url';
import { canUseNetns, NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tcpProbe } from './tcp-probe.js';
import { LOOPBACK, refusedPort, startTcpListener } from './test-support/peers.js';

type Listener = Awaited<ReturnType<typeof startTcpListener>>;

describe('tcpProbe on loopback', () => {
  let listener: Listener;
  let smtp: Listener;
  let deadPort: number;
  beforeAll(async () => {
    listener = await startTcpListener();
    smtp = await startTcpListener('220 mail-1.example ESMTP ready\r\n');
    deadPort = await refusedPort();
  });
  afterAll(async () => {
    await listener.close();
    await smtp.close();
  });

  it('succeeds on an accepting listener', async () => {
    const result = await tcpProbe().check(
      { address: LOOPBACK, port: listener.port },
      { timeoutMs: 1000 },
    );
    expect(result.isOk()).toBe(true);
    expect(result._unsafeUnwrap().latencyMs).toBeLessThan(1000);
  });

  it('closes with FIN or RST as configured, both succeed', async () => {
    for (const close of ['fin', 'reset'] as const) {
      const result = await tcpProbe({ close }).check(
        { address: LOOPBACK, port: listener.port },
        { timeoutMs: 1000 },
      );
      expect(result.isOk(), close).toBe(true);
    }
  });

  it('reports refused on a closed port', async () => {
    const result = await tcpProbe().check(
      { address: LOOPBACK, port: deadPort },
      { timeoutMs: 1000 },
    );
    expect(result._unsafeUnwrapErr().kind).toBe('refused');
  });

  it('checks a banner and reports its first line as identity', async () => {
    const target = { address: LOOPBACK, port: smtp.port };
    const ok = await tcpProbe({ expect: '220' }).check(target, { timeoutMs: 1000 });
    expect(ok._unsafeUnwrap().identity).toBe('220 mail-1.example ESMTP ready');
    const bad = await tcpProbe({ expect: '221' }).check(target, { timeoutMs: 1000 });
    expect(bad._unsafeUnwrapErr().kind).toBe('mismatch');
  });

  it('reports a hostile banner escaped: ESC, BEL and <0> reach no log raw', async () => {
    const hostile = await startTcpListener('220 <0>\u001b[31mred\u0007 ready\r\n');
    try {
      const target = { address: LOOPBACK, port: hostile.port };
      const ok = await tcpProbe({ expect: '220' }).check(target, { timeoutMs: 1000 });
      expect(ok._unsafeUnwrap().identity).toBe('220 <0>\\u001b[31mred\\u0007 ready');
      const bad = await tcpProbe({ expect: '221' }).check(target, { timeoutMs: 1000 });
      expect(bad._unsafeUnwrapErr().message).not.toMatch(/[\u0000-\u001f]/);
    } finally {
      await hostile.close();
    }
  });

  it('times out waiting for a banner that never comes (whole-check deadline)', async () => {
    const result = await tcpProbe({ send: 'HELO\r\n', expect: '220' }).check(
      { address: LOOPBACK, port: listener.port },
      { timeoutMs: 150 },
    );
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe('timeout');
    expect(error.latencyMs).toBeGreaterThanOrEqual(140);
    expect(error.latencyMs).toBeLessThan(1000);
  });

  it('honours abort', async () => {
    const ac = new AbortController();
    const pending = tcpProbe({ expect: '220' }).check(
      { address: LOOPBACK, port: listener.port },
      { timeoutMs: 5000, signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 20);
    expect((await pending)._unsafeUnwrapErr().kind).toBe('aborted');
  });

  it('turns bad options into a probe that always fails as internal', async () => {
    const result = await tcpProbe({ expect: '' }).check(
      { address: LOOPBACK, port: listener.port },
      { timeoutMs: 100 },
    );
    expect(result._unsafeUnwrapErr().kind).toBe('internal');
  });
});

const script = fileURLToPath(new URL('./test-support/netns-check.ts', import.meta.url));
const SELF = 40_000;

/** Runs the probes in `role`'s namespace on `jobs`; one parsed JSON line per check, then the handles. */
async function checkIn(lab: NetnsLab, role: string, jobs: readonly object[]) {
  const { stdout } = await lab.exec(role, [
    process.execPath,
    '--import',
    'tsx',
    script,
    JSON.stringify(jobs),
  ]);
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe.skipIf(!canUseNetns())('probes inside a network namespace (needs root)', () => {
  const lab = new NetnsLab('lbkp-');
  beforeAll(async () => {
    await lab.add('dead');
    // 198.51.100.2 sits behind a veth whose other end has no address and a MAC
    // nobody owns: SYNs and datagrams go out and are never answered.
    await lab.exec('dead', ['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
    await lab.exec('dead', ['ip', 'addr', 'add', '198.51.100.1/24', 'dev', 'v0']);
    await lab.exec('dead', ['ip', 'link', 'set', 'v0', 'up']);
    await lab.exec('dead', ['ip', 'link', 'set', 'v1', 'up']);
    await lab.exec('dead', [
      'ip',
      'neigh',
      'add',
      '198.51.100.2',
      'lladdr',
      '02:00:5e:00:53:02',
      'dev',
      'v0',
      'nud',
      'permanent',
    ]);
    await lab.exec('dead', ['ip', 'route', 'add', 'unreachable', '203.0.113.0/24']);
    // One ephemeral port: every probe socket is bound to it, so a check of that
    // very port (nothing listening) connects the socket to itself.
    await lab.add('self');
    await lab.exec('self', ['sysctl', '-qw', `net.ipv4.ip_local_port_range=${SELF} ${SELF}`]);
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it('gives a true connect timeout for an unanswered SYN, and unreachable for no route', async () => {
    const jobs = [
      { kind: 'tcp', address: '198.51.100.2', port: 80, timeoutMs: 300 },
      { kind: 'dns-tcp', address: '198.51.100.2', port: 53, timeoutMs: 300 },
      { kind: 'dns-udp', address: '198.51.100.2', port: 53, timeoutMs: 300 },
      { kind: 'http', address: '198.51.100.2', port: 80, timeoutMs: 300 },
      { kind: 'http-fresh', address: '198.51.100.2', port: 80, timeoutMs: 300 },
      { kind: 'tcp', address: '203.0.113.5', port: 80, timeoutMs: 300 },
      { kind: 'http-fresh', address: '203.0.113.5', port: 80, timeoutMs: 300 },
      { kind: 'dns-udp', address: '203.0.113.5', port: 53, timeoutMs: 300 },
    ];
    const lines = await checkIn(lab, 'dead', jobs);
    const kinds = lines
      .slice(0, jobs.length)
      .map((l) => `${l.job.kind} ${l.job.address} ${l.kind}`);
    expect(kinds).toEqual([
      'tcp 198.51.100.2 timeout',
      'dns-tcp 198.51.100.2 timeout',
      'dns-udp 198.51.100.2 timeout',
      'http 198.51.100.2 timeout',
      'http-fresh 198.51.100.2 timeout',
      'tcp 203.0.113.5 unreachable',
      'http-fresh 203.0.113.5 unreachable',
      'dns-udp 203.0.113.5 unreachable',
    ]);
    for (const line of lines.slice(0, 5)) {
      expect(line.latencyMs).toBeGreaterThanOrEqual(290);
      expect(line.latencyMs).toBeLessThan(1000);
    }
    // Nothing of ours left behind in the child (its stdout pipe is the only handle).
    // Even before the HTTP probe's close(), the abandoned connect is gone.
    const { beforeClose, resources } = lines[jobs.length];
    const ours = (list: string[]) => list.filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
    expect(ours(beforeClose)).toEqual([]);
    expect(ours(resources)).toEqual([]);
  });

  it('reports refused, not up, when the kernel connects the probe to itself', async () => {
    const kinds = ['tcp', 'dns-udp', 'dns-tcp', 'http', 'http-fresh', 'agent'] as const;
    const jobs = ['127.0.0.1', '::1'].flatMap((address) =>
      kinds.map((kind) => ({ kind, address, port: SELF, timeoutMs: 500 })),
    );
    const lines = await checkIn(lab, 'self', jobs);
    expect(
      lines
        .slice(0, jobs.length)
        .map((l) => `${l.job.kind} ${l.job.address} ${l.ok ? 'ok' : l.kind}`),
    ).toEqual(jobs.map((j) => `${j.kind} ${j.address} refused`));
    for (const line of lines.slice(0, jobs.length)) expect(line.message).toMatch(/self-connect/);
  });
});
