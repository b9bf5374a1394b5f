/**
 * The IPVS measurements themselves; they need a kernel with IPVS (run inside
 * the kernel VM by `index.ts` when the host has none). Everything happens in a
 * throwaway network namespace `lbkv<pid>-bench`.
 */

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { DesiredService, DesiredState } from '@lbkit/core';
import { createPlannedStates, modelService } from '@lbkit/core/testing';
import { enterNetworkNamespace } from '@lbkit/netlink';
import type { ResultAsync } from 'neverthrow';
import { type BenchTable, percentile } from '../../../scripts/bench-table.js';
import { createIpvsBackend } from '../src/backend/ipvs-backend.js';
import { createMemoryOwnershipStore } from '../src/backend/ownership.js';
import type { IpvsClient, IpvsError } from '../src/client/client.js';
import { createIpvsClient } from '../src/client/netlink-client.js';
import type { DestinationConfig, ServiceConfig, ServiceId } from '../src/client/types.js';
import { IPVSADM } from '../src/testing/ipvsadm.js';

const execFileAsync = promisify(execFile);
const NETLINK_CYCLES = 400;
const IPVSADM_CYCLES = 10;
const SERVICES = 1000;
/** Flips measured, and flips run first to let the JIT compile the path (reported apart); even, so each series ends where it began. */
const FLIP_SAMPLES = 100;
const FLIP_WARM_UP = 20;

const rr: ServiceConfig = { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 };
const nat = (weight: number): DestinationConfig => ({
  forward: 'masquerade',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
});
const svc = (i: number): ServiceId => ({
  family: 4,
  protocol: 'tcp',
  address: '192.0.2.10',
  port: 1000 + i,
});
const dst = { family: 4 as const, address: '198.51.100.11', port: 80 };

/** The five ops of one cycle, as ipvsadm argument lists. */
const ipvsadmCycle = (port: number): string[][] => [
  ['-A', '-t', `192.0.2.10:${port}`, '-s', 'rr'],
  ['-a', '-t', `192.0.2.10:${port}`, '-r', '198.51.100.11:80', '-m', '-w', '1'],
  ['-e', '-t', `192.0.2.10:${port}`, '-r', '198.51.100.11:80', '-m', '-w', '2'],
  ['-d', '-t', `192.0.2.10:${port}`, '-r', '198.51.100.11:80'],
  ['-D', '-t', `192.0.2.10:${port}`],
];

async function timed(f: () => PromiseLike<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) * 1000;
}

async function netlinkOps(client: IpvsClient): Promise<number[]> {
  const samples: number[] = [];
  const must = async (r: ResultAsync<void, IpvsError>) => {
    const done = await r;
    if (done.isErr()) throw new Error(`netlink op failed: ${done.error.message}`);
  };
  for (let i = 0; i < NETLINK_CYCLES; i++) {
    const id = svc(i);
    samples.push(await timed(() => must(client.createService(id, rr))));
    samples.push(await timed(() => must(client.createDestination(id, dst, nat(1)))));
    samples.push(await timed(() => must(client.updateDestination(id, dst, nat(2)))));
    samples.push(await timed(() => must(client.removeDestination(id, dst))));
    samples.push(await timed(() => must(client.removeService(id))));
  }
  return samples;
}

async function ipvsadmOps(): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < IPVSADM_CYCLES; i++) {
    for (const args of ipvsadmCycle(1000 + i)) {
      samples.push(await timed(() => execFileAsync(IPVSADM ?? 'ipvsadm', args)));
    }
  }
  return samples;
}

const row = (path: string, samples: number[]) => ({
  path,
  ops: samples.length,
  'ops/s': Math.round(1e6 / (samples.reduce((a, b) => a + b, 0) / samples.length)),
  'p50 µs': percentile(samples, 50),
  'p99 µs': percentile(samples, 99),
});

const desiredState = (flipped: boolean): DesiredState => ({
  services: Array.from(
    { length: SERVICES },
    (_, i): DesiredService => ({
      name: `s${String(i).padStart(4, '0')}`,
      key: { vip: '192.0.2.10', port: 1000 + i, protocol: 'tcp' },
      scheduler: 'rr',
      whenEmpty: 'reject',
      persistence: 0,
      destinations: [1, 2, 3]
        .filter((n) => !(flipped && i === 500 && n === 2))
        .map((n) => ({ name: `d${n}`, address: `198.51.100.${n}`, port: 80, weight: 1 })),
    }),
  ),
});

/** `state` with service 500's destination d2 removed; every other service the same object. */
const withFlip = (state: DesiredState): DesiredState => ({
  services: state.services.map((s, i) =>
    i === 500 ? { ...s, destinations: s.destinations.filter((d) => d.name !== 'd2') } : s,
  ),
});

/**
 * The balancer's way: the same services as core models, planned once, then
 * service 500's d2 flipped by `replan()`, each state derived from the one
 * before (core's `changedEntries` then names the replaced entry).
 */
function plannedFlips() {
  const states = createPlannedStates(
    Array.from({ length: SERVICES }, (_, i) =>
      modelService(
        `s${String(i).padStart(4, '0')}`,
        { vip: '192.0.2.10', port: 1000 + i, protocol: 'tcp' },
        [1, 2, 3].map((n) => ({ name: `d${n}`, address: `198.51.100.${n}`, port: 80, weight: 1 })),
      ),
    ),
  );
  return {
    first: () => states.state,
    flip: (up: boolean): DesiredState =>
      states.change([{ service: 's0500', destination: 'd2', health: up ? 'up' : 'down' }]),
  };
}

/**
 * Median and p99 (ms) of `samples` runs of `run`, after `warmUp` runs whose
 * median is reported too (`warmUpMedian`: what the first runs of a process
 * cost, before the JIT has compiled the path).
 */
async function series(samples: number, run: (i: number) => Promise<unknown>, warmUp = 1) {
  const timedRun = async (i: number) => {
    const t = performance.now();
    await run(i);
    return performance.now() - t;
  };
  const first: number[] = [];
  for (let i = -warmUp; i < 0; i++) first.push(await timedRun(i));
  const out: number[] = [];
  for (let i = 0; i < samples; i++) out.push(await timedRun(i));
  return {
    median: percentile(out, 50),
    p99: percentile(out, 99),
    samples,
    warmUp,
    warmUpMedian: percentile(first, 50),
  };
}

/**
 * The smallest step `performance.now()` makes here, ms: the VM's clock
 * source varies between boots (some tick in 4 ms), and a median below it
 * reads as 0.
 */
function clockStep(): number {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    let next = performance.now();
    while (next === t) next = performance.now();
    step = Math.min(step, next - t);
  }
  return step;
}

/**
 * A fresh backend's apply of `state` onto an empty IPVS table: the backend,
 * its report and ms. No periodic re-read inside the series that follow (the
 * rows measure drift checks apart).
 */
async function fromEmpty(
  client: IpvsClient,
  state: DesiredState,
  ownership = createMemoryOwnershipStore(),
) {
  const backend = createIpvsBackend({
    client,
    ownership,
    closeClient: false,
    driftCheckInterval: 3_600_000,
  });
  const t = performance.now();
  const report = (await backend.apply(state))._unsafeUnwrap();
  return { backend, report, ms: performance.now() - t };
}

/** `ipvsadm -R` of the same 1,000 x 3 onto an empty table, ms (the table is cleared after). */
function ipvsadmRestore(): number {
  execFileSync(IPVSADM ?? 'ipvsadm', ['-C']);
  const t = performance.now();
  execFileSync(IPVSADM ?? 'ipvsadm', ['-R'], { input: restoreScript() });
  const ms = performance.now() - t;
  execFileSync(IPVSADM ?? 'ipvsadm', ['-C']);
  return ms;
}

function restoreScript(): string {
  const lines: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    lines.push(`-A -t 192.0.2.10:${1000 + i} -s rr`);
    for (const n of [1, 2, 3])
      lines.push(`-a -t 192.0.2.10:${1000 + i} -r 198.51.100.${n}:80 -m -w 1`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs every measurement in a fresh namespace and yields the tables. */
export async function* ipvsBench(): AsyncGenerator<BenchTable> {
  const ns = `lbkv${process.pid}-bench`;
  execFileSync('ip', ['netns', 'add', ns]);
  // Without lo up, IPVS refuses real servers (EINVAL: "address not unicast").
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const restore = (await enterNetworkNamespace(ns))._unsafeUnwrap();
  try {
    const client = (await createIpvsClient())._unsafeUnwrap();
    await netlinkOps(client); // warm-up
    const ours = await netlinkOps(client);
    const theirs = await ipvsadmOps();
    const a = row('netlink client (koffi, one socket)', ours);
    const b = row('spawn ipvsadm per op', theirs);
    yield {
      title: 'IPVS ops (create/add/edit/del dest, del service): netlink client vs ipvsadm',
      rows: [a, b],
      note: `speed-up: ${(a['ops/s'] / b['ops/s']).toFixed(0)}x (target >= 20x). Same kernel, same namespace, same run.`,
    };

    const ownership = createMemoryOwnershipStore();
    const base = desiredState(false);
    const flipped = withFlip(base);
    const { backend, report: sync, ms: syncMs } = await fromEmpty(client, base, ownership);
    // A daemon flips for hours: medians after 20 warm-up flips (the JIT compiles the path), the first 20 reported apart.
    let isFlipped = false;
    const flips = await series(
      FLIP_SAMPLES,
      async () => {
        isFlipped = !isFlipped;
        const r = (await backend.apply(isFlipped ? flipped : base))._unsafeUnwrap();
        if (r.operations !== 1) throw new Error(`a flip took ${r.operations} operations`);
      },
      FLIP_WARM_UP,
    );
    const noops = await series(11, async () => {
      const r = (await backend.apply(base))._unsafeUnwrap();
      if (r.operations !== 0) throw new Error('a no-change apply sent operations');
    });
    const planned = plannedFlips();
    (await backend.apply(planned.first()))._unsafeUnwrap();
    let down = false;
    const derivedFlips = await series(
      FLIP_SAMPLES,
      async () => {
        down = !down;
        const r = (await backend.apply(planned.flip(!down)))._unsafeUnwrap();
        if (r.operations !== 1) throw new Error(`a derived flip took ${r.operations} operations`);
      },
      FLIP_WARM_UP,
    );
    // Every service a fresh copy, as core's plan() made them before incremental planning.
    const freshFlips = await series(3, async (i) => {
      const r = (
        await backend.apply(i % 2 === 0 ? desiredState(false) : desiredState(true))
      )._unsafeUnwrap();
      if (r.operations !== 1) throw new Error('a fresh-object flip took more than one operation');
    });
    const t5 = performance.now();
    const quiet = (await backend.checkDrift!())._unsafeUnwrap();
    const quietMs = performance.now() - t5;
    if (quiet.found.length > 0) throw new Error('drift check found drift in a quiet kernel');
    execFileSync(IPVSADM ?? 'ipvsadm', ['-d', '-t', '192.0.2.10:1100', '-r', '198.51.100.1:80']);
    const t6 = performance.now();
    const repaired = (await backend.checkDrift!())._unsafeUnwrap();
    const repairMs = performance.now() - t6;
    if (!repaired.repaired) throw new Error('drift check did not repair a removed real server');
    const verifying = createIpvsBackend({
      client,
      ownership,
      closeClient: false,
      verifyDestinations: true,
    });
    const t4 = performance.now();
    const flipBack = (await verifying.apply(desiredState(true)))._unsafeUnwrap();
    const flipBackMs = performance.now() - t4;
    (await verifying.close())._unsafeUnwrap();
    // From empty again in this (now warm) process, between two ipvsadm -R runs of the same table.
    const restoreBefore = ipvsadmRestore();
    const warm = await fromEmpty(client, desiredState(false));
    (await warm.backend.close())._unsafeUnwrap();
    const restoreAfter = ipvsadmRestore();
    const restoreMs = (restoreBefore + restoreAfter) / 2;
    const perSpawnMs = theirs.reduce((x, y) => x + y, 0) / theirs.length / 1000;
    const ratio = (ms: number) => `${(ms / restoreMs).toFixed(2)}x`;
    yield {
      title: `Sync ${SERVICES} services x 3 destinations (backend.apply)`,
      rows: [
        {
          step: `from empty (lbkit; the process's first apply: ${ratio(syncMs)} of ipvsadm -R)`,
          'netlink ops': sync.operations,
          ms: syncMs,
        },
        {
          step: `from empty again, warm process (fresh backend after the table was emptied: ${ratio(warm.ms)} of ipvsadm -R)`,
          'netlink ops': warm.report.operations,
          ms: warm.ms,
        },
        {
          step: `flip one destination (lbkit; median of ${flips.samples}, p99 ${flips.p99.toFixed(1)} ms; first ${flips.warmUp}: median ${flips.warmUpMedian.toFixed(1)} ms)`,
          'netlink ops': 1,
          ms: flips.median,
        },
        {
          step: `flip, the state derived by core's replan() (the balancer's way; median of ${derivedFlips.samples}, p99 ${derivedFlips.p99.toFixed(1)} ms; first ${derivedFlips.warmUp}: median ${derivedFlips.warmUpMedian.toFixed(1)} ms)`,
          'netlink ops': 1,
          ms: derivedFlips.median,
        },
        {
          step: `no change (lbkit; median of ${noops.samples})`,
          'netlink ops': 0,
          ms: noops.median,
        },
        {
          step: `flip, every service a fresh copy (before incremental plan; median of ${freshFlips.samples})`,
          'netlink ops': 1,
          ms: freshFlips.median,
        },
        { step: 'drift check, in sync (1 + 1,000 dumps)', 'netlink ops': 0, ms: quietMs },
        {
          step: 'drift check after ipvsadm -d of one real server (found + put back)',
          'netlink ops': repaired.found.length,
          ms: repairMs,
        },
        {
          step: 'flip one destination, verifyDestinations (1 + 1,000 dumps)',
          'netlink ops': flipBack.operations,
          ms: flipBackMs,
        },
        {
          step: `from empty: ipvsadm -R (one process, batch; mean of ${restoreBefore.toFixed(0)} and ${restoreAfter.toFixed(0)} ms)`,
          'netlink ops': SERVICES * 4,
          ms: restoreMs,
        },
        {
          step: 'from empty: spawn ipvsadm per op (estimated from the row above)',
          'netlink ops': SERVICES * 4,
          ms: perSpawnMs * SERVICES * 4,
        },
      ],
      note:
        `Clock step in this run: ${clockStep().toFixed(3)} ms (a median below it reads as 0). ` +
        'From empty: the first apply of a process runs its code before the JIT has compiled it (in this VM, which emulates the CPU, that costs seconds); "again, warm" is a later resync from empty in the same process (after ipvsadm -C, say), beside two ipvsadm -R runs of the same table. Flip medians come after 20 warm-up flips, whose median is given as "first 20". Between drift checks (driftCheckInterval, 5 s by default) an apply diffs against what it applied last and sends only the diff. Unchanged services are the same objects between applies (core\'s incremental plan hands them so, and the backend maps each desired service once), so the diff skips them by identity: a flip is 1 request plus a pointer compare per other service; a state derived by replan() says which entries it replaced, and only those are mapped and diffed; "fresh copy" = every service a new object with equal fields, compared field by field (slow here: the VM emulates the CPU). verifyDestinations and the periodic drift check dump every owned service (1,000 more requests; IPVS has no generation counter to skip them).',
    };
    client.close();
  } finally {
    restore();
    execFileSync('ip', ['netns', 'del', ns]);
  }
}
