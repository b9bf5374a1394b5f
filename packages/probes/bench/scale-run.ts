/**
 * The lbkit side of the scale benchmark, run inside the client namespace by
 * `scale.ts` (`node --import tsx scale-run.ts JSON`): the real health engine of
 * @lbkit/core with the real TCP probe from `createProbe`, one check per
 * destination, every destination checked again 1 s after its last result.
 * Measures, after a warm-up, each check's lateness (when the probe was called
 * minus when the engine was due to call it: the previous result + 1 s), checks
 * per second, CPU (process.cpuUsage, user + sys) and RSS, and prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CheckDefinition, HealthSettings, Probe, ProbeFactory } from '@lbkit/core';
import { createHealthEngine } from '../../core/src/health/engine.js';
import { createProbe } from '../src/index.js';

/** What `scale.ts` asks for. */
export interface ScaleRunInput {
  /** Destinations: every address of a group with every port of its range. */
  readonly groups: readonly {
    readonly addresses: readonly string[];
    readonly ports: readonly [number, number];
  }[];
  /** Check interval = timeout = jitter, ms. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly warmupS: number;
  readonly durationS: number;
  /** The engine's concurrency limit. */
  readonly concurrency: number;
}

/** What it prints. */
export interface ScaleRunOutput {
  readonly destinations: number;
  readonly seconds: number;
  readonly checks: number;
  readonly ok: number;
  readonly timeouts: number;
  /** Failures other than timeouts, by kind (none expected). */
  readonly otherFailures: Record<string, number>;
  readonly latenessMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Destinations with at least one check more than 100 ms late. */
  readonly lateDestinations: number;
  readonly cpuPercent: number;
  readonly rssMaxMb: number;
  readonly loopDelayP99Ms: number;
  /** Destinations whose state at the end is `up` / `down` / `unknown`. */
  readonly states: Record<string, number>;
}

/** 0.1 ms bins up to 10 s; later checks land in the last bin (the max is kept exactly). */
const BIN_MS = 0.1;
const BINS = 100_000;

class LatenessHistogram {
  readonly #bins = new Uint32Array(BINS);
  count = 0;
  max = 0;

  add(ms: number): void {
    const v = Math.max(ms, 0);
    this.#bins[Math.min(BINS - 1, Math.floor(v / BIN_MS))]!++;
    this.count++;
    if (v > this.max) this.max = v;
  }

  percentile(p: number): number {
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.#bins[i]!;
      if (seen >= rank) return (i + 1) * BIN_MS;
    }
    return this.max;
  }
}

/** Every `[address, port]` of the groups, interleaved (group 0, group 1, group 0, ...). */
export function targetsOf(input: ScaleRunInput): [string, number][] {
  const lists = input.groups.map((g) => {
    const out: [string, number][] = [];
    for (let port = g.ports[0]; port <= g.ports[1]; port++)
      for (const address of g.addresses) out.push([address, port]);
    return out;
  });
  const longest = lists.reduce((n, l) => Math.max(n, l.length), 0);
  const all: [string, number][] = [];
  for (let i = 0; i < longest; i++) for (const l of lists) if (l[i]) all.push(l[i]!);
  return all;
}

/** The open-files limit (`Max open files` soft limit, /proc/self/limits); Infinity if unknown. */
function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Descriptors beyond one socket per destination (stdio, epoll, timers, /proc reads). */
const SPARE_FILES = 1000;

async function main(input: ScaleRunInput): Promise<ScaleRunOutput> {
  const targets = targetsOf(input);
  // Every destination may hold a socket at once (half of them wait out the timeout):
  // say so up front rather than fail with EMFILE halfway through.
  const limit = openFilesLimit();
  if (limit < targets.length + SPARE_FILES) {
    throw new Error(
      `needs ${targets.length + SPARE_FILES} open files (one socket per destination), the limit here is ${limit} (ulimit -Hn: raising it needs CAP_SYS_RESOURCE)`,
    );
  }
  const settings: HealthSettings = {
    interval: input.intervalMs,
    fastInterval: input.intervalMs,
    downInterval: input.intervalMs,
    timeout: input.timeoutMs,
    rise: 1,
    fall: 1,
    jitter: input.intervalMs,
    initial: 'unknown',
  };
  const keyOf = (address: string, port: number) => `${address}:${port}`;
  /** When each destination's next check is due (performance.now ms); unset until its first result. */
  const due = new Map<string, number>();
  const lateness = new LatenessHistogram();
  const late = new Set<string>();
  let measuring = false;
  const factory: ProbeFactory = (spec, context) => {
    const probe = createProbe(spec, context);
    const timed: Probe = {
      description: probe.description,
      check: (target, options) => {
        if (measuring) {
          const key = keyOf(target.address, target.port);
          const at = due.get(key);
          if (at !== undefined) {
            const ms = performance.now() - at;
            lateness.add(ms);
            if (ms > 100) late.add(key);
          }
        }
        return probe.check(target, options);
      },
      close: () => probe.close?.(),
    };
    return timed;
  };
  const engine = createHealthEngine({ probes: factory, concurrency: input.concurrency });
  let checks = 0;
  let ok = 0;
  let timeouts = 0;
  const otherFailures: Record<string, number> = {};
  engine.on('result', ({ key, result }) => {
    due.set(key, performance.now() + input.intervalMs);
    if (!measuring) return;
    checks++;
    if (result.ok) ok++;
    else if (result.error?.kind === 'timeout') timeouts++;
    else {
      const kind = result.error?.kind ?? 'unknown';
      otherFailures[kind] = (otherFailures[kind] ?? 0) + 1;
    }
  });
  const checksList: CheckDefinition[] = targets.map(([address, port]) => ({
    key: keyOf(address, port),
    spec: { kind: 'tcp' },
    protocol: 'tcp',
    target: { address, port },
    settings,
  }));
  engine.update(checksList);

  await sleep(input.warmupS * 1000);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rssMax = 0;
  for (let s = 0; s < input.durationS; s++) {
    await sleep(1000);
    rssMax = Math.max(rssMax, process.memoryUsage.rss());
  }
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const states: Record<string, number> = {};
  for (const [address, port] of targets) {
    const state = engine.status(keyOf(address, port))?.state ?? 'missing';
    states[state] = (states[state] ?? 0) + 1;
  }
  engine.stop();
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    destinations: targets.length,
    seconds: round(seconds),
    checks,
    ok,
    timeouts,
    otherFailures,
    latenessMs: {
      p50: round(lateness.percentile(50)),
      p99: round(lateness.percentile(99)),
      max: round(lateness.max),
    },
    lateDestinations: late.size,
    cpuPercent: round(((cpu.user + cpu.system) / 1e6 / seconds) * 100),
    rssMaxMb: round(rssMax / 2 ** 20),
    loopDelayP99Ms: round(loop.percentile(99) / 1e6),
    states,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (process.argv[1]?.endsWith('scale-run.ts')) {
  const input = JSON.parse(process.argv[2] ?? '{}') as ScaleRunInput;
  console.log(JSON.stringify(await main(input)));
  process.exit(0);
}
