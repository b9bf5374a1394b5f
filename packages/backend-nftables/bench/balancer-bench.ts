/**
 * The balancer's own path: a health result enters core's health engine and
 * ends as a committed nftables transaction in a namespace — engine step,
 * transition, reconciler, `plan()`, backend diff, netlink batch, kernel ACK.
 * Beside it, the backend alone (`backend.apply()` of the same flip).
 */
import {
  type Balancer,
  createBalancer,
  type DesiredState,
  type HealthSettings,
  type Probe,
  type ProbeError,
  type ProbeOk,
  parseAddress,
  type Service,
  withParsedAddress,
} from '@lbkit/core';
import { ResultAsync } from 'neverthrow';
import type { BenchRow, BenchTable } from '../../../scripts/bench-table.js';
import { percentile } from '../../../scripts/bench-table.js';
import { createNftablesBackend } from '../src/backend/backend.js';
import { sizes } from './apply-bench.js';
import { ADDRESSES, benchState, ms, serviceName, servicePort, VIP, withFlip } from './services.js';

/** Flips run and not counted before each series (JIT warm-up). */
const WARM_UP = 20;

/** Everything but the flipping service: checked once, then not for an hour. */
const QUIET: HealthSettings = {
  interval: 3_600_000,
  fastInterval: 3_600_000,
  downInterval: 3_600_000,
  timeout: 1000,
  rise: 1,
  fall: 1,
  jitter: 0,
  initial: 'unknown',
};
/** The flipping service: its next check starts 1 ms after a result and waits for the bench. */
const FLIPPING: HealthSettings = {
  ...QUIET,
  interval: 1,
  fastInterval: 1,
  downInterval: 1,
  timeout: 60_000,
};

/**
 * N services x 3 destinations as the validated model has them. Each
 * destination is checked on its own port (connectPort 30000 + i) so every
 * (service, destination) is its own check, as with real servers.
 */
function benchServices(n: number, flipping: number): Service[] {
  const parsedVip = parseAddress(VIP);
  const parsed = ADDRESSES.map((a) => parseAddress(a));
  return Array.from({ length: n }, (_, i) =>
    withParsedAddress(
      {
        name: serviceName(i),
        key: { vip: VIP, port: servicePort(i), protocol: 'tcp' as const },
        scheduler: 'rr' as const,
        destinations: ADDRESSES.map((address, j) =>
          withParsedAddress(
            { name: `d${j + 1}`, address, port: 80, weight: 1, connectPort: 30_000 + i },
            'parsed',
            parsed[j],
          ),
        ),
        probe: { kind: 'tcp' as const },
        health: i === flipping ? FLIPPING : QUIET,
        whenEmpty: 'reject' as const,
        downAction: 'remove' as const,
        persistence: 0,
      },
      'parsedVip',
      parsedVip,
    ),
  );
}

/** A probe that answers at once, except for `target`, whose checks wait for `answer()`. */
function heldProbe(target: { address: string; port: number }) {
  let pending: ((ok: boolean) => void) | undefined;
  let arrived: (() => void) | undefined;
  const probe: Probe = {
    description: 'bench',
    check(t, { signal }) {
      if (t.address !== target.address || t.port !== target.port) {
        return ResultAsync.fromSafePromise(Promise.resolve({ latencyMs: 0 }));
      }
      // Honours the abort (as every probe must): a stopped balancer ends the held check.
      const held = new Promise<boolean>((resolve) => {
        pending = resolve;
        signal?.addEventListener('abort', () => resolve(false), { once: true });
        arrived?.();
      });
      return ResultAsync.fromSafePromise<boolean, ProbeError>(held).andThen((ok) =>
        ok
          ? ResultAsync.fromSafePromise<ProbeOk, ProbeError>(Promise.resolve({ latencyMs: 0 }))
          : ResultAsync.fromPromise<ProbeOk, ProbeError>(Promise.reject(new Error('down')), () => ({
              kind: 'refused',
              message: 'refused',
              latencyMs: 0,
            })),
      );
    },
  };
  /** Waits for the target's next check, then answers it; returns the time it answered. */
  const answer = async (ok: boolean): Promise<number> => {
    if (!pending) await new Promise<void>((resolve) => (arrived = resolve));
    const resolve = pending!;
    pending = undefined;
    const t0 = performance.now();
    resolve(ok);
    return t0;
  };
  return { factory: () => probe, answer };
}

/** Milliseconds from a health result to the 'applied' event of the flip it caused. */
async function balancerFlips(netns: string, n: number, samples: number): Promise<number[]> {
  const flipping = Math.floor(n / 2);
  const services = benchServices(n, flipping);
  const held = heldProbe({ address: ADDRESSES[2]!, port: 30_000 + flipping });
  const backend = createNftablesBackend({
    netns,
    driftCheckInterval: 0,
    conntrack: false,
  })._unsafeUnwrap();
  const balancer: Balancer = createBalancer({ services, backend, probes: held.factory });
  const name = serviceName(flipping);
  let expect = -1;
  let done: ((at: number) => void) | undefined;
  balancer.on('applied', ({ desired }) => {
    const s = desired.services[flipping];
    if (s?.name === name && s.destinations.length === expect) done?.(performance.now());
  });
  const flip = async (up: boolean): Promise<number> => {
    expect = up ? 3 : 2;
    const applied = new Promise<number>((resolve) => (done = resolve));
    const t0 = await held.answer(up);
    return (await applied) - t0;
  };
  try {
    (await balancer.start())._unsafeUnwrap();
    await flip(true); // the first verdicts of all the others come with it
    await balancer.settled();
    for (let i = 0; i < WARM_UP; i++) await flip(i % 2 === 1);
    const out: number[] = [];
    for (let i = 0; i < samples; i++) out.push(await flip(i % 2 === 1));
    return out;
  } finally {
    await balancer.stop();
  }
}

/** The same flip through `backend.apply()` alone (unchanged services shared by identity). */
async function backendFlips(netns: string, n: number, samples: number): Promise<number[]> {
  const backend = createNftablesBackend({
    netns,
    driftCheckInterval: 0,
    conntrack: false,
  })._unsafeUnwrap();
  try {
    const state: DesiredState = benchState(n, VIP, ADDRESSES);
    const flipped = withFlip(state, Math.floor(n / 2), 2);
    (await backend.apply(state))._unsafeUnwrap();
    for (let i = 0; i < WARM_UP; i++) await backend.apply(i % 2 === 0 ? flipped : state);
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      (await backend.apply(i % 2 === 0 ? flipped : state))._unsafeUnwrap();
      out.push(performance.now() - t);
    }
    return out;
  } finally {
    await backend.close();
  }
}

/**
 * One destination's health flips (down, up, ...) among N services x 3: from the
 * result entering the health engine to the transaction committed in the
 * kernel, beside `backend.apply()` of the same flip alone.
 */
export async function balancerTable(netns: string): Promise<BenchTable> {
  const rows: BenchRow[] = [];
  for (const n of sizes().filter((s) => s !== 100)) {
    const samples = 201;
    const path = await balancerFlips(netns, n, samples);
    const alone = await backendFlips(netns, n, samples);
    rows.push({
      services: n,
      'balancer path median ms': ms(percentile(path, 50)),
      'balancer path p99 ms': ms(percentile(path, 99)),
      'backend only median ms': ms(percentile(alone, 50)),
      'backend only p99 ms': ms(percentile(alone, 99)),
      samples: `${samples} (+${WARM_UP} warm-up)`,
    });
  }
  return {
    title:
      "the balancer's path: one health result -> transaction committed (N services x 3; target: median <= 0.5 ms at 10,000, <= 2x of 10)",
    rows,
    note:
      "balancer path = core's createBalancer with this backend (netlink, conntrack cleanup off): a probe's result enters the health engine (rise = fall = 1) -> transition -> reconciler -> incremental plan() -> backend diff -> one nf_tables batch -> kernel ACK -> 'applied' event.\n" +
      'backend only = backend.apply() of the same flip with unchanged services shared by identity (no engine, no plan).\n' +
      "Every destination is its own check (own connect port); the probe answers from memory, so the figure is lbkit's cost, not a network round trip.",
  };
}
