import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Balancer, createBalancer, type HealthSettings } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';
import { enterNetworkNamespace } from '@lbkit/netlink';
import { createProbe } from '@lbkit/probes';
import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import type { TrafficLab } from '../src/lab/traffic-lab.js';
import { labWebService } from '../src/lab/web-service.js';

const nameServer = fileURLToPath(new URL('../src/lab/name-server.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const service = labWebService;

interface Trial {
  readonly detectMs: number;
  readonly failures: number;
  readonly connections: number;
}

/** One kill -9 of s2 under load; returns when the kernel stopped selecting it. */
async function trial(
  lab: TrafficLab,
  servers: ChildProcess[],
  health: Partial<HealthSettings>,
  loadMs: number,
): Promise<Trial> {
  await lab.lab.exec('lb', ['conntrack', '-F']).catch(() => undefined);
  const backend = createNftablesBackend({ netns: lab.lbNs, conntrack: false })._unsafeUnwrap();
  const balancer: Balancer = createBalancer({
    services: [service(health)],
    backend,
    probes: createProbe,
  });
  try {
    (await balancer.start())._unsafeUnwrap();
    await balancer.whenReady();
    const load = lab.client({
      mode: 'tcp',
      host: LAB.vip,
      port: 80,
      durationMs: loadMs,
      concurrency: 2,
      timeoutMs: 1000,
    });
    await sleep(1000);
    let appliedAt = Number.NaN;
    const killedAt = performance.now();
    balancer.on('applied', ({ desired }) => {
      const web = desired.services[0];
      if (
        Number.isNaN(appliedAt) &&
        web &&
        !web.destinations.some((d) => d.name === 's2' && d.weight > 0)
      ) {
        appliedAt = performance.now();
      }
    });
    await lab.lab.kill(servers[1]!, 'SIGKILL');
    while (Number.isNaN(appliedAt) && performance.now() - killedAt < 60_000) await sleep(5);
    const result = await load;
    servers[1] = lab.lab.spawn('s2', [process.execPath, nameServer, 's2', '80']);
    await sleep(300);
    return {
      detectMs: appliedAt - killedAt,
      failures: result.failures,
      connections: result.failures + Object.values(result.counts).reduce((a, b) => a + b, 0),
    };
  } finally {
    await balancer.stop();
  }
}

/**
 * End-to-end failover: the core balancer with the real TCP probe (interval
 * 100 ms, fall 2) and this backend; a server is killed with SIGKILL under
 * load; time until the kernel no longer selects it, and client failures.
 * Beside it, the vendor's settings (20 s interval, fall 1) with the same engine.
 */
export async function failoverTable(lab: TrafficLab, servers: ChildProcess[]): Promise<BenchTable> {
  const back = enterNetworkNamespace(lab.lbNs)._unsafeUnwrap();
  const leave = () => back()._unsafeUnwrap();
  const rows: BenchRow[] = [];
  try {
    const fast: Trial[] = [];
    for (let i = 0; i < 3; i++) {
      fast.push(
        await trial(
          lab,
          servers,
          { interval: 100, fastInterval: 100, downInterval: 100, timeout: 300, fall: 2, rise: 2 },
          3000,
        ),
      );
    }
    rows.push({
      setup: 'lbkit: interval 100 ms, fall 2',
      'removed after ms (median)': Math.round(
        percentile(
          fast.map((t) => t.detectMs),
          50,
        ),
      ),
      'each trial ms': fast.map((t) => Math.round(t.detectMs)).join(' / '),
      'client failures': fast.map((t) => `${t.failures}/${t.connections}`).join(' / '),
    });
    const vendor = await trial(
      lab,
      servers,
      {
        interval: 20_000,
        fastInterval: 20_000,
        downInterval: 20_000,
        timeout: 1000,
        fall: 1,
        rise: 1,
        jitter: 20_000,
      },
      25_000,
    );
    rows.push({
      setup: 'vendor timings: interval 20 s, fall 1',
      'removed after ms (median)': Math.round(vendor.detectMs),
      'each trial ms': String(Math.round(vendor.detectMs)),
      'client failures': `${vendor.failures}/${vendor.connections}`,
    });
  } finally {
    leave();
  }
  return {
    title: 'end-to-end failover: kill -9 a server under load (target: < 0.5 s)',
    rows,
    note: "Time from SIGKILL to the committed transaction without the server (the kernel no longer selects it). Failures = client connections refused/reset by the dead server meanwhile (2 concurrent clients). The vendor row uses the vendor's timings on lbkit's engine (one trial; its real script also probes serially).",
  };
}
