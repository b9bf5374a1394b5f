import { type DesiredState, withParsedAddress } from '@lbkit/core';
import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import { naive } from '../src/lab/naive-layout.js';
import { createDefaultTransport } from '../src/transport/default-transport.js';
import { openNftCli } from '../src/transport/nft-cli.js';
import {
  createLibnftablesTransport,
  createNftCliTransport,
} from '../src/transport/text-transport.js';
import type { NftTransport } from '../src/transport/transport.js';
import { benchState, servicePort, withFlip } from './services.js';

const VIP = '192.0.2.10';
const ADDRESSES = ['198.51.100.11', '198.51.100.12', '198.51.100.13'];

const ms = (v: number): number => Number(v.toFixed(v < 10 ? 3 : 1));

interface Measured {
  /** First apply into a namespace without the table. */
  readonly coldMs: number;
  /** A new backend's first apply over the table the first one left (a restart). */
  readonly replaceMs: number;
  readonly operations: number;
  readonly flips: number[];
  /** Flips between states whose every service is a fresh copy (as core's plan() makes them). */
  readonly freshFlips: number[];
}

/** `state` with every service and destination copied as `plan()` makes them: equal fields, no shared objects. */
const copied = (state: DesiredState): DesiredState => ({
  services: state.services.map((s) =>
    withParsedAddress(
      {
        ...s,
        destinations: s.destinations.map((d) => withParsedAddress({ ...d }, 'parsed', d.parsed)),
      },
      'parsedVip',
      s.parsedVip,
    ),
  ),
});

type Path = 'netlink' | 'libnftables' | 'nft-cli';

/** The transport of a path: the default one (netlink, nft text behind it), or nft text only. */
const transportFor = (netns: string, path: Path): NftTransport =>
  (path === 'netlink'
    ? createDefaultTransport({ netns })
    : path === 'libnftables'
      ? createLibnftablesTransport({ netns })
      : createNftCliTransport({ netns })
  )._unsafeUnwrap();

/**
 * One backend writing through `path` (`netlink`: raw batches; `libnftables` /
 * `nft-cli`: the same commands as nft text): cold apply, flips, then a second
 * backend's full apply over the same table.
 */
async function measureOurs(
  netns: string,
  writePath: Path,
  n: number,
  flipSamples: number,
): Promise<Measured> {
  const transport = transportFor(netns, writePath);
  const create = () =>
    createNftablesBackend({ transport, driftCheckInterval: 0, conntrack: false })._unsafeUnwrap();
  const backend = create();
  const restarted = create();
  try {
    const state = benchState(n, VIP, ADDRESSES);
    const flipped = withFlip(state, Math.floor(n / 2), 2);
    let t = performance.now();
    const cold = (await backend.apply(state))._unsafeUnwrap();
    const coldMs = performance.now() - t;
    if (cold.path !== writePath) throw new Error(`cold apply went through ${cold.path}`);
    const flips: number[] = [];
    for (let i = 0; i < flipSamples; i++) {
      t = performance.now();
      const report = (await backend.apply(i % 2 === 0 ? flipped : state))._unsafeUnwrap();
      flips.push(performance.now() - t);
      if (report.changedServices.length !== 1)
        throw new Error('flip changed more than one service');
      if (report.path !== writePath) throw new Error(`flip went through ${report.path}`);
    }
    const freshFlips: number[] = [];
    // Start from the state the loop above did not end on.
    const lastWasFlipped = (flipSamples - 1) % 2 === 0;
    const copies = lastWasFlipped
      ? [copied(state), copied(flipped)]
      : [copied(flipped), copied(state)];
    for (let i = 0; i < flipSamples; i++) {
      t = performance.now();
      const report = (await backend.apply(copies[i % 2]!))._unsafeUnwrap();
      freshFlips.push(performance.now() - t);
      if (report.changedServices.length !== 1)
        throw new Error('flip changed more than one service');
    }
    t = performance.now();
    const replaced = (await restarted.apply(state))._unsafeUnwrap();
    const replaceMs = performance.now() - t;
    if (replaced.mode !== 'full') throw new Error('restart apply was not a full replace');
    return { coldMs, replaceMs, operations: cold.operations, flips, freshFlips };
  } finally {
    await restarted.close({ keep: true });
    await backend.close();
    transport.close();
  }
}

/**
 * `trials` cold applies of N services through the netlink path, each by a new
 * backend into a namespace without the table (closed and deleted after).
 */
async function coldTrials(netns: string, n: number, trials: number): Promise<number[]> {
  const transport = transportFor(netns, 'netlink');
  const state = benchState(n, VIP, ADDRESSES);
  const out: number[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      const backend = createNftablesBackend({
        transport,
        driftCheckInterval: 0,
        conntrack: false,
      })._unsafeUnwrap();
      const t = performance.now();
      const report = (await backend.apply(state))._unsafeUnwrap();
      out.push(performance.now() - t);
      if (report.path !== 'netlink' || report.mode !== 'full')
        throw new Error('not a netlink cold apply');
      await backend.close();
    }
    return out;
  } finally {
    transport.close();
  }
}

/** The vendor's way: one `nft` command (process) per rule; flips as flush + add. */
async function measureNaive(netns: string, n: number, flipSamples: number) {
  const cli = openNftCli({ netns })._unsafeUnwrap();
  const t = 'lbkn_naive';
  try {
    const commands = [naive.table(t)];
    for (let i = 0; i < n; i++)
      for (const c of naive.service(t, `s${i}`, VIP, servicePort(i), ADDRESSES)) commands.push(c);
    let start = performance.now();
    for (const c of commands) (await cli.run(c))._unsafeUnwrap();
    const coldMs = performance.now() - start;
    const flips: number[] = [];
    for (let i = 0; i < flipSamples; i++) {
      start = performance.now();
      for (const c of naive.update(
        t,
        `s${Math.floor(n / 2)}`,
        i % 2 ? ADDRESSES : ADDRESSES.slice(0, 2),
      )) {
        (await cli.run(c))._unsafeUnwrap();
      }
      flips.push(performance.now() - start);
    }
    return { coldMs, commands: commands.length, flips };
  } finally {
    await cli.run(`delete table ip ${t}\n`);
    cli.close();
  }
}

/** Sizes measured; `LBKIT_BENCH_MAX_SERVICES` caps them (default 10,000). */
export const sizes = (): number[] => {
  const max = Number(process.env.LBKIT_BENCH_MAX_SERVICES ?? 10_000);
  return [10, 100, 1_000, 10_000].filter((n) => n <= max);
};

/**
 * Cold apply of N services x 3 destinations and one destination flip, for both
 * transports, beside the vendor's one-command-per-rule way (measured for
 * N <= 100, extrapolated linearly above, and labelled so).
 */
export async function applyTables(netns: string): Promise<BenchTable[]> {
  const cold: BenchRow[] = [];
  const flip: BenchRow[] = [];
  const naiveSmall = new Map<number, Awaited<ReturnType<typeof measureNaive>>>();
  for (const n of [10, 100]) naiveSmall.set(n, await measureNaive(netns, n, 20));
  const perCommand = (() => {
    const m = naiveSmall.get(100)!;
    return m.coldMs / m.commands;
  })();
  for (const n of sizes()) {
    const nl = await measureOurs(netns, 'netlink', n, 201);
    const colds = [nl.coldMs, ...(await coldTrials(netns, n, 4))];
    const lib = await measureOurs(netns, 'libnftables', n, n >= 10_000 ? 21 : 201);
    const cli = await measureOurs(netns, 'nft-cli', n, n >= 10_000 ? 11 : 21);
    const measuredNaive = naiveSmall.get(n);
    const naiveCommands = 1 + 3 * n;
    cold.push({
      services: n,
      commands: nl.operations,
      'netlink ms (median of 5)': ms(percentile(colds, 50)),
      'netlink min-max ms': `${ms(percentile(colds, 0))}-${ms(percentile(colds, 100))}`,
      'netlink replace ms': ms(nl.replaceMs),
      'libnftables ms': ms(lib.coldMs),
      'libnftables replace ms': ms(lib.replaceMs),
      'nft CLI ms': ms(cli.coldMs),
      'naive ms (1 nft per rule)': measuredNaive
        ? ms(measuredNaive.coldMs)
        : ms(perCommand * naiveCommands),
      naive: measuredNaive ? 'measured' : 'extrapolated (linear)',
    });
    const naiveFlips = (naiveSmall.get(100) ?? naiveSmall.get(10))!.flips;
    flip.push({
      services: n,
      'netlink median ms': ms(percentile(nl.flips, 50)),
      'netlink p99 ms': ms(percentile(nl.flips, 99)),
      'netlink, fresh objects median ms': ms(percentile(nl.freshFlips, 50)),
      'libnftables median ms': ms(percentile(lib.flips, 50)),
      'libnftables p99 ms': ms(percentile(lib.flips, 99)),
      'nft CLI median ms': ms(percentile(cli.flips, 50)),
      'nft CLI p99 ms': ms(percentile(cli.flips, 99)),
      'naive flush+add median ms': ms(percentile(naiveFlips, 50)),
      samples: `${nl.flips.length}/${lib.flips.length}/${cli.flips.length}`,
    });
  }
  return [
    {
      title: 'cold apply: N services x 3 destinations, one transaction (target: 10,000 in < 1 s)',
      rows: cold,
      note:
        'netlink = the default transport: the whole table as ONE raw nf_tables batch; libnftables / nft CLI = the text transports (the same commands as nft text).\n' +
        'replace = a second backend (a restart) replacing the table the first one left, in one transaction.\n' +
        "naive = the vendor script's way: one `nft` process per rule (table, then chain + dnat rule + linear dispatch rule per service).\n" +
        `Measured for N <= 100; above, extrapolated linearly from N = 100 (${perCommand.toFixed(1)} ms per command) — optimistic, the vendor's start-up is quadratic.`,
    },
    {
      title:
        'one destination flip (3 -> 2 -> 3) of one service among N (target: median < 1 ms at N = 10,000, within 2x of N = 10)',
      rows: flip,
      note:
        'backend.apply() wall time (render + diff + transaction); drift checks run apart from applies (none here).\n' +
        'Unchanged services are the same objects in both states (immutable updates); "fresh objects" = every service a new copy with equal fields (as core\'s plan() makes them), compared field by field.\n' +
        'netlink = the default transport: the flip as one raw nf_tables batch; libnftables / nft CLI = the text transports.\n' +
        'naive = flush chain + add rule as two nft commands (not atomic), measured at N = 100 and shown for every N (its cost does not depend on N).',
    },
  ];
}
