/**
 * The scale row: 30,000 destinations (10,000 services x 3), TCP connect checks
 * every 1 s (timeout 1 s), half of them blackholed, sustained for 60 s through
 * the real health engine. Needs root (network namespaces), nginx and nft.
 *
 * Lab (documentation ranges only, deleted afterwards, also on failure):
 * - namespace `srv`: 198.51.100.0/24 and 203.0.113.0/24 are local (`ip route
 *   add local ... dev lo`, so every address answers without 508 `ip addr`s);
 *   one nginx listens on 500 ports with `deferred` (TCP_DEFER_ACCEPT: a check
 *   that connects and resets never wakes it); an nftables rule drops every
 *   packet to 203.0.113.0/24, so those SYNs go unanswered (true timeouts).
 * - namespace `cli`: the health engine (`scale-run.ts`, a child process),
 *   routes to both ranges over a veth, a wide ephemeral port range.
 * Healthy: 198.51.100.1..30 x ports 20000..20499 (15,000); blackholed:
 * 203.0.113.1..30 x the same ports (15,000).
 *
 * `npm run bench -- probes` runs it after the throughput tables (60 s;
 * `LBKIT_SCALE_SECONDS=10` for a shorter run). Standalone:
 * `node --import tsx packages/probes/bench/scale.ts [--duration S] [--services N]`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canUseNetns, NetnsLab } from '@lbkit/core/testing';
import type { BenchTable } from '../../../scripts/bench-table.js';
import { formatTable } from '../../../scripts/bench-table.js';
import { hasBinary, NGINX } from '../src/test-support/peers.js';
import type { ScaleRunInput, ScaleRunOutput } from './scale-run.js';

/** Options of {@link scaleTable}. */
export interface ScaleOptions {
  /** Measured seconds (after a 3 s warm-up). Default 60. */
  readonly durationS?: number;
  /** Services of 3 destinations each. Default 10,000 (30,000 destinations). */
  readonly services?: number;
}

const PORT_FROM = 20_000;
const ADDRESSES = 30;
const NFT = '/usr/sbin/nft';
const runner = fileURLToPath(new URL('./scale-run.ts', import.meta.url));

/** Addresses .1..n of a /24 prefix. */
const hosts = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}.${i + 1}`);

/** The nginx config: `ports` listeners, deferred accept, nothing else. */
function nginxConf(dir: string, ports: number): string {
  const listens = Array.from(
    { length: ports },
    (_, i) => `    listen ${PORT_FROM + i} deferred backlog=4096;`,
  ).join('\n');
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
${listens}
    return 204;
  }
}
`;
}

/** Builds the lab, runs the engine in it for the duration, tears everything down. */
export async function runScale(options: ScaleOptions = {}): Promise<ScaleRunOutput> {
  const durationS = options.durationS ?? 60;
  const destinations = 3 * (options.services ?? 10_000);
  // Half healthy, half blackholed: ADDRESSES addresses of each range x `ports` ports.
  const ports = Math.ceil(destinations / 2 / ADDRESSES);
  const lab = new NetnsLab('lbps');
  const dir = mkdtempSync(join(tmpdir(), 'lbkit-scale-'));
  let nginx: ChildProcess | undefined;
  try {
    await lab.add('srv');
    await lab.add('cli');
    await lab.link(
      { role: 'cli', ifname: 'eth0', addresses: ['192.0.2.1/24'] },
      { role: 'srv', ifname: 'eth0', addresses: ['192.0.2.2/24'] },
    );
    for (const range of ['198.51.100.0/24', '203.0.113.0/24']) {
      await lab.route('cli', range, 'via', '192.0.2.2');
      await lab.exec('srv', ['ip', 'route', 'add', 'local', range, 'dev', 'lo']);
    }
    await lab.exec('cli', ['sysctl', '-qw', 'net.ipv4.ip_local_port_range=10000 65000']);
    await lab.exec('srv', ['sysctl', '-qw', 'net.core.somaxconn=4096']);
    await lab.exec(
      'srv',
      [NFT, '-f', '-'],
      [
        'table inet lbps {',
        '  chain blackhole {',
        '    type filter hook input priority 0;',
        '    ip daddr 203.0.113.0/24 drop',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, ports));
    nginx = lab.spawn('srv', [
      NGINX,
      '-p',
      dir,
      '-e',
      'stderr',
      '-c',
      join(dir, 'nginx.conf'),
      '-g',
      'daemon off;',
    ]);
    let nginxErr = '';
    nginx.stderr?.on('data', (d: Buffer) => {
      nginxErr = (nginxErr + d.toString()).slice(-2000);
    });
    await waitListening(lab, `198.51.100.${ADDRESSES}`, PORT_FROM + ports - 1, () => nginxErr);
    const input: ScaleRunInput = {
      groups: [
        { addresses: hosts('198.51.100', ADDRESSES), ports: [PORT_FROM, PORT_FROM + ports - 1] },
        { addresses: hosts('203.0.113', ADDRESSES), ports: [PORT_FROM, PORT_FROM + ports - 1] },
      ],
      intervalMs: 1000,
      timeoutMs: 1000,
      warmupS: 3,
      durationS,
      concurrency: destinations,
    };
    // Spawned, not `lab.exec` (which gives up after 30 s): the run takes warm-up + duration.
    const child = lab.spawn('cli', [
      'sh',
      '-c',
      'ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"',
      process.execPath,
      '--import',
      'tsx',
      runner,
      JSON.stringify(input),
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`scale run exited with ${code}: ${stderr.trim()}`);
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ScaleRunOutput;
  } finally {
    // SIGTERM: the master stops its workers (a SIGKILL, as destroy() sends, orphans them).
    if (nginx) await lab.kill(nginx, 'SIGTERM');
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until the last listener accepts a connect from the client namespace. */
async function waitListening(
  lab: NetnsLab,
  address: string,
  port: number,
  stderr: () => string,
): Promise<void> {
  const probe = `const s=require('net').connect(${port},'${address}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),500)`;
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await lab.try('cli', [process.execPath, '-e', probe])).code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx not listening on ${address}:${port}: ${stderr()}`);
}

/** The scale table: lbkit's row beside keepalived's anchor row. */
export async function scaleTable(options: ScaleOptions = {}): Promise<BenchTable> {
  const title = `probes at scale: ${(3 * (options.services ?? 10_000)).toLocaleString('en-US')} destinations, TCP connect every 1 s (timeout 1 s), half blackholed, ${options.durationS ?? 60} s`;
  if (!canUseNetns() || !hasBinary(NGINX) || !hasBinary(NFT)) {
    return { title, rows: [], note: 'Not run: needs root (network namespaces), nginx and nft.' };
  }
  const r = await runScale(options);
  const other = Object.entries(r.otherFailures)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return {
    title,
    rows: [
      {
        way: 'lbkit (health engine + tcp probe, one process)',
        destinations: r.destinations,
        'checks/s': Math.round(r.checks / r.seconds),
        'lateness p50 ms': r.latenessMs.p50,
        'p99 ms': r.latenessMs.p99,
        'max ms': r.latenessMs.max,
        'dest. ever >100 ms late': r.lateDestinations,
        'CPU % of a core': r.cpuPercent,
        'RSS MB': r.rssMaxMb,
        'loop delay p99 ms': r.loopDelayP99Ms,
        'up/down at end': `${r.states['up'] ?? 0}/${r.states['down'] ?? 0}`,
      },
      {
        way: 'keepalived TCP_CHECK (anchor)',
        destinations: r.destinations,
        'checks/s': 'not run',
      },
    ],
    note:
      `Lateness: when the engine called the probe minus when it was due (its previous result + 1 s), every check of every destination over ${r.seconds} s (${r.checks.toLocaleString('en-US')} checks: ${r.ok.toLocaleString('en-US')} ok, ${r.timeouts.toLocaleString('en-US')} timeouts${other ? `, ${other}` : ''}). ` +
      'A blackholed destination is checked every 2 s (1 s timeout + 1 s interval). ' +
      "keepalived's checker needs IPVS, which this host kernel lacks (it exits at start: 'IPVS: Can't initialize ipvs'); IPVS exists only in the TCG-emulated VM, where neither side would run at a comparable speed, so the anchor was not run.",
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const durationS = arg('--duration');
  const services = arg('--services');
  const table = await scaleTable({
    ...(durationS !== undefined && { durationS }),
    ...(services !== undefined && { services }),
  });
  console.log(formatTable(table));
}
