/**
 * nft-lb start-up at scale, the real daemon in a namespace of its own: a rules
 * file of N services x 3 destinations (IPv6, every destination a distinct
 * address of an AnyIP /64 on lo, one listener accepting for all of them), the
 * real nftables table, real TCP probes (interval 10 s, timeout 1 s). Measured: the daemon's CPU seconds (utime + stime from
 * /proc) and wall time until "every destination has had its first verdict",
 * probe lateness after that (gap between two checks of one destination minus
 * the interval, seen by the listener), and one /metrics scrape.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NetnsLab } from '@lbkit/core/testing';
import type { BenchRow, BenchTable } from '../../scripts/bench-table.js';
import { onLines, waitFor } from '../src/common/lines.js';
import { programArgv } from '../src/programs.js';

/**
 * Probe interval: 10 s (keepalived's `delay_loop 10`). At nft-lb's default 2 s,
 * 30,000 destinations need 15,000 checks/s, more than one Node process on
 * this project's 2-core test machine gives; lateness would then measure
 * capacity, not the daemon.
 */
const INTERVAL_MS = 10_000;
const PORT = 80;
const METRICS = '127.0.0.1:9339';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (n: number): string => n.toString(16);

/** The rules file: N services x 3, VIP 2001:db8:a::<i>, destinations 2001:db8:1::<i>:<j>. */
export function scaleRules(services: number): string {
  const lines: string[] = [];
  for (let i = 1; i <= services; i++) {
    for (let j = 1; j <= 3; j++)
      lines.push(`s${i}|2001:db8:a::${hex(i)}|${PORT}|d${j}|2001:db8:1::${hex(i)}:${j}`);
  }
  return `${lines.join('\n')}\n`;
}

const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime + stime of `pid` in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

interface Sink {
  readonly child: ChildProcess;
  stop(): Promise<{ p50: number; p99: number; max: number; checks: number }>;
}

async function startSink(lab: NetnsLab): Promise<Sink> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const script = fileURLToPath(new URL('./probe-sink.ts', import.meta.url));
  const child = lab.spawn(
    'lb',
    [process.execPath, '--import', tsx, script, String(PORT), String(INTERVAL_MS)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  onLines(child.stdout, (line) => lines.push(line));
  await waitFor(() => lines.includes('ready'), 20_000, 'the probe sink');
  return {
    child,
    async stop() {
      child.stdin?.end();
      await waitFor(() => lines.length > 1, 20_000, 'the probe sink summary');
      return JSON.parse(lines[1] ?? '{}');
    },
  };
}

/** One start of nft-lb with `services` x 3; the row of the table. */
async function measure(lab: NetnsLab, dir: string, services: number): Promise<BenchRow> {
  const file = join(dir, `rules-${services}`);
  writeFileSync(file, services === 0 ? '# nothing\n' : scaleRules(services));
  const sink = await startSink(lab);
  const args = [
    '--rules',
    file,
    '--table',
    'lbkx_bench',
    '--forward-mark',
    '0',
    '--metrics',
    METRICS,
    '--interval',
    `${INTERVAL_MS}ms`,
  ];
  const started = performance.now();
  const daemon = lab.spawn('lb', [...programArgv('nft-lb'), ...args, '--allow-shrink']);
  const lines: string[] = [];
  let balancingCpu = Number.NaN;
  let readyCpu = Number.NaN;
  let readyMs = Number.NaN;
  const pid = daemon.pid ?? 0;
  const onLine = (line: string) => {
    lines.push(line);
    if (line.startsWith('balancing ')) balancingCpu = cpuSeconds(pid);
    if (line === 'every destination has had its first verdict') {
      readyCpu = cpuSeconds(pid);
      readyMs = performance.now() - started;
    }
  };
  onLines(daemon.stdout, onLine);
  onLines(daemon.stderr, onLine);
  try {
    await waitFor(
      () => !Number.isNaN(readyCpu),
      600_000,
      () => `first verdicts\n${lines.slice(-5).join('\n')}`,
    );
    await sleep(2 * INTERVAL_MS + 1500);
    // Lateness first: the scrape reads the whole table back, which blocks the daemon.
    const lateness = await sink.stop();
    const scrape = await lab.try('lb', [
      process.execPath,
      '-e',
      `const t = performance.now(); fetch('http://${METRICS}/metrics').then((r) => r.text()).then((x) => process.stdout.write(JSON.stringify({ ms: performance.now() - t, rows: x.split('\\n').length })))`,
    ]);
    if (scrape.code !== 0) {
      const state = daemon.exitCode === null ? 'running' : `exited ${daemon.exitCode}`;
      throw new Error(
        `/metrics scrape failed (${scrape.stderr.trim().split('\n').at(-1)}); nft-lb ${state}, its last lines:\n${lines.slice(-5).join('\n')}`,
      );
    }
    const metrics = JSON.parse(scrape.stdout) as { ms: number; rows: number };
    const destinations = services * 3;
    return {
      services: services.toLocaleString('en-US'),
      destinations,
      'CPU s to first verdicts': readyCpu,
      'of it: load + first apply': balancingCpu,
      'CPU µs / destination':
        destinations > 0 ? ((readyCpu - balancingCpu) * 1e6) / destinations : '-',
      'wall s to first verdicts': readyMs / 1000,
      'p99 probe lateness ms': lateness.checks > 0 ? lateness.p99 : '-',
      'max lateness ms': lateness.checks > 0 ? lateness.max : '-',
      '/metrics scrape ms': metrics.ms,
    };
  } finally {
    if (daemon.exitCode === null) await lab.kill(daemon, 'SIGTERM');
    if (sink.child.exitCode === null) await lab.kill(sink.child, 'SIGKILL');
  }
}

/** The start-up table: 0 (the fixed cost), 1,000 and 10,000 services x 3. */
export async function startupTable(sizes: readonly number[]): Promise<BenchTable> {
  const lab = new NetnsLab('lbkxb');
  const dir = mkdtempSync(join(tmpdir(), 'lbkx-bench-'));
  try {
    await lab.add('lb');
    await lab.exec('lb', ['ip', '-6', 'route', 'add', 'local', '2001:db8:1::/64', 'dev', 'lo']);
    const rows: BenchRow[] = [];
    for (const services of sizes) rows.push(await measure(lab, dir, services));
    return {
      title:
        'nft-lb start-up: N services x 3 destinations, real probes and table (10 s interval, 1 s timeout)',
      rows,
      note:
        'CPU is the daemon process only (utime + stime), sampled when the log line arrives; "load + first apply" is at the "balancing" line; ' +
        'µs / destination is the probing phase (first verdicts minus load + apply) per destination: flat across N means linear growth. ' +
        'Lateness: gap between two checks of a destination minus the interval, at the listener, for the checks of the two intervals after the first verdicts (before the scrape). ' +
        'The scrape includes the backend reading the whole table back (a netlink dump of chains, rules, sets and counters, decoded in JS). ' +
        'From sources through tsx (a fixed cost in the 0-service row).',
    };
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
