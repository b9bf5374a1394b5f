/**
 * `npm run demo`: lbkit balancing three servers in network namespaces, live.
 *
 * Usage: node examples/dist/demo.js [--duration 24] [--no-tui] [--backend nftables|ipvs]
 *        [--interval 150] [--ha]
 * Needs root (it creates network namespaces). `--backend ipvs` runs the same
 * inside the kernel VM (`scripts/kernel-vm`), since this host has no IPVS.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { canUseNetns } from '@lbkit/core/testing';
import { EXAMPLES_DIR, programArgv } from '../programs.js';
import { formatSummary } from './format-summary.js';
import { runDemo } from './run-demo.js';
import { formatHaSummary, runHaDemo } from './run-demo-ha.js';
import { plainScreen, tuiScreen } from './screen.js';

const USAGE = `Usage: npm run demo -- [options]
  --duration SECONDS   length of the scenario once the client is answered by every
                       server (default 24, at least 8); setup comes before
  --no-tui             plain lines instead of the live table (for CI and logs)
  --backend NAME       nftables (default) or ipvs (runs inside scripts/kernel-vm)
  --interval MS        probe interval (default 150; 1000 inside the emulated IPVS VM)
  --ha                 a balancer pair (lbkit + keepalived VRRP on two nodes): the
                       master node is lost; prints the VIP failover time (plain lines)
  -h, --help           this text`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '24' },
    'no-tui': { type: 'boolean', default: false },
    tui: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'nftables' },
    interval: { type: 'string' },
    columns: { type: 'string' },
    rows: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
    ha: { type: 'boolean', default: false },
  },
});

const fail = (message: string, code = 1): never => {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(code);
};

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const backend = values.backend;
if (backend !== 'nftables' && backend !== 'ipvs')
  fail(`--backend must be nftables or ipvs\n${USAGE}`, 2);
const durationS = Number(values.duration);
// The IPVS demo runs in an emulated VM (no nested KVM here): everything is ~10x slower.
const inVm = process.env['LBKIT_IN_VM'] === '1';
const intervalMs = Number(values.interval ?? (inVm ? '1000' : '150'));
if (!Number.isFinite(durationS) || durationS < 8 || durationS > 3600) {
  fail('--duration must be a number of seconds, 8..3600', 2);
}
if (!Number.isInteger(intervalMs) || intervalMs < 20 || intervalMs > 10_000) {
  fail('--interval must be an integer of ms, 20..10000', 2);
}

if (values.ha && backend !== 'nftables') {
  fail('--ha runs the pair with nftables (the IPVS pair is tested in the kernel VM)', 2);
}

if (values.ha) {
  await haMain();
} else if (backend === 'ipvs' && process.env['LBKIT_IN_VM'] !== '1') {
  // This host's kernel has no IPVS: run the very same demo inside the kernel VM.
  const vm = join(EXAMPLES_DIR, '..', 'scripts', 'kernel-vm');
  if (!existsSync(vm)) {
    fail(`--backend ipvs needs the kernel VM (${vm}), which is not there; use --backend nftables`);
  }
  const useTui = !values['no-tui'] && process.stdout.isTTY === true;
  const inner = [
    ...programArgv('demo'),
    ...process.argv.slice(2).filter((a) => a !== '--tui'),
    ...(useTui
      ? [
          '--tui',
          '--columns',
          String(process.stdout.columns),
          '--rows',
          String(process.stdout.rows),
        ]
      : ['--no-tui']),
  ];
  process.stderr.write('demo: booting the kernel VM for IPVS (takes a while the first time) ...\n');
  const child = spawn(vm, ['--', ...inner], { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code) => {
    if (code === 125)
      process.stderr.write('demo: the kernel VM is not available here (see scripts/README.md)\n');
    process.exit(code ?? 1);
  });
} else {
  await main();
}

async function main(): Promise<void> {
  if (!canUseNetns()) {
    fail('the demo builds network namespaces: run it as root (e.g. sudo npm run demo)');
  }
  const tui = values.tui || (!values['no-tui'] && process.stdout.isTTY === true);
  const screen = tui
    ? tuiScreen(process.stdout, {
        ...(values.columns !== undefined && { columns: Number(values.columns) }),
        ...(values.rows !== undefined && { rows: Number(values.rows) }),
      })
    : plainScreen(process.stdout);
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    signals++;
    abort.abort();
    if (signals > 2) process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    const { summary } = await runDemo(
      {
        durationS,
        backend: backend as 'nftables' | 'ipvs',
        intervalMs,
        signal: abort.signal,
        ...(inVm && { patienceMs: 60_000, emulatedCpu: true }),
      },
      screen,
    );
    process.stdout.write(`\n${formatSummary(summary)}\n`);
    const good = summary.failedOutside === 0 && summary.answeredWhileDead === 0;
    process.exitCode = good ? 0 : 1;
  } catch (error) {
    const message = (error as Error).message;
    if (message === 'aborted') {
      process.stderr.write('demo: stopped; every namespace has been removed\n');
      process.exitCode = 130;
    } else {
      process.stderr.write(`demo: ${message}\ndemo: every namespace has been removed\n`);
      process.exitCode = 1;
    }
  }
}

async function haMain(): Promise<void> {
  if (!canUseNetns()) {
    fail('the demo builds network namespaces: run it as root (e.g. sudo npm run demo -- --ha)');
  }
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    const summary = await runHaDemo(
      {
        durationS: values.duration === '24' ? 16 : durationS,
        intervalMs,
        signal: abort.signal,
      },
      (line) => process.stdout.write(`${line}\n`),
    );
    process.stdout.write(`\n${formatHaSummary(summary)}\n`);
    process.exitCode = summary.failedOutside === 0 ? 0 : 1;
  } catch (error) {
    const message = (error as Error).message;
    process.stderr.write(
      message === 'aborted'
        ? 'demo: stopped; every namespace has been removed\n'
        : `demo: ${message}\ndemo: every namespace has been removed\n`,
    );
    process.exitCode = message === 'aborted' ? 130 : 1;
  }
}
