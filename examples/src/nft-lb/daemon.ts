/**
 * `nft-lb`'s run mode: apply the rules file, keep probing, log one line per
 * state change, reload on SIGHUP (only the difference), stop on SIGTERM/SIGINT,
 * and answer `nft-lb ctl` on its control socket (status, drain/enable/disable,
 * reload: the SIGHUP path, with the outcome reported back).
 * Signals are trapped by the entry point before anything else: a SIGHUP while
 * starting is applied once running, a SIGTERM while starting stops it then.
 */
import {
  type Balancer,
  createBalancer,
  createBalancerMetrics,
  reloadShrinkProblem,
  type Service,
} from '@lbkit/core';
import { renderHaMetrics } from '@lbkit/ha';
import { createProbe } from '@lbkit/probes';
import { err, ok, type Result } from 'neverthrow';
import { attachEventLog } from '../common/event-log.js';
import type { TrappedSignals } from '../common/signals.js';
import { loadPairConfig, startPairNode } from '../ha/pair-node.js';
import { nftablesOptionsOf } from './backend-options.js';
import type { NftLbOptions } from './cli-args.js';
import { createNftBackend } from './create-backend.js';
import { ctlHandler, type ReloadOutcome } from './ctl-handlers.js';
import { type CtlServer, startCtlServer } from './ctl-server.js';
import { defaultSocketPath } from './ctl-socket-path.js';
import { holdBackend } from './hold-backend.js';
import { serveMetrics } from './metrics.js';
import { failureLines } from './render-mode.js';
import { ignoredWeights, loadRules } from './rules.js';
import { notifySystemd } from './sd-notify.js';

/** Where the daemon writes. */
export interface DaemonIo {
  readonly info: (line: string) => void;
  readonly warn: (line: string) => void;
}

const count = (services: readonly Service[]): string =>
  `${services.length} service(s), ${services.reduce((n, s) => n + s.destinations.length, 0)} destination(s)`;

/** Runs until a stop signal; resolves with the exit code. */
export async function runDaemon(
  options: NftLbOptions,
  io: DaemonIo,
  signals: TrappedSignals,
): Promise<number> {
  const loaded = await loadRules(options);
  if (loaded.isErr()) {
    const tail = (n: number) =>
      `${options.rules}: not applied (${n.toLocaleString('en-US')} problem(s)); nothing was changed`;
    for (const line of failureLines(loaded.error, tail)) io.warn(line);
    return 1;
  }
  if (signals.stopRequested) {
    io.info('stopped before starting: nothing was changed');
    return 0;
  }
  for (const line of ignoredWeights(loaded.value)) io.warn(`${options.rules}: ${line}`);
  const pairConfig = options.ha === undefined ? undefined : await loadPairConfig(options.ha);
  if (pairConfig?.isErr()) {
    for (const line of pairConfig.error) io.warn(line);
    io.warn(
      `${options.ha}: not started (${pairConfig.error.length} problem(s)); nothing was changed`,
    );
    return 1;
  }
  const backendResult = createNftBackend(nftablesOptionsOf(options));
  if (backendResult.isErr()) {
    io.warn(`nftables: ${backendResult.error.message}`);
    return 1;
  }
  // A table kept by an earlier run keeps balancing until the first verdicts are in.
  const existing = await backendResult.value.read();
  const takeover = existing.isOk() && existing.value.services.length > 0;
  const backend = holdBackend(backendResult.value, takeover);
  const balancer = createBalancer({ services: loaded.value, backend, probes: createProbe });
  attachEventLog(balancer, io);
  // Counting starts before the first apply; a pair node adds its HA metrics once it runs.
  let haMetrics = (): string => '';
  const metrics = createBalancerMetrics(balancer, {
    kernel: () => backend.read(),
    sources: [() => haMetrics()],
  });

  // Every reload (SIGHUP or `nft-lb ctl reload`) runs after the previous one.
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (origin: string): Promise<ReloadOutcome> => {
    const next = reloading.then(() => reloadRules(options, balancer, io, origin));
    reloading = next.catch(() => undefined);
    return next;
  };
  // The control socket is claimed before the first apply: a refused path changes nothing.
  const ctl = await openControlSocket(options, balancer, io, () => reload('ctl reload'));
  if (ctl.isErr()) {
    io.warn(`control socket: ${ctl.error} (--socket PATH, or --no-socket); nothing was changed`);
    await backend.close({ keep: true });
    return 1;
  }
  const closeCtl = () => ctl.value?.close() ?? Promise.resolve();

  const started = await balancer.start();
  if (started.isErr()) {
    io.warn(`cannot apply the rules (${started.error.kind}): ${started.error.message}`);
    await closeCtl();
    await backend.close({ keep: true });
    return 1;
  }
  io.info(
    `balancing ${count(loaded.value)} from ${options.rules} in table inet ${options.table}` +
      (takeover ? ' (taking over the table of the previous run)' : ''),
  );
  if (takeover) {
    void balancer.whenReady().then(async () => {
      const released = await backend.release();
      if (released.isErr()) io.warn(`take-over apply failed: ${released.error.message}`);
      else io.info('took over the previous table: every destination has its first verdict');
    });
  }
  const pair = pairConfig?.isOk() ? await startPairNode(pairConfig.value, balancer, io) : undefined;
  if (pair?.isErr()) {
    io.warn(`ha: cannot start: ${pair.error}`);
    await closeCtl();
    await balancer.stop({ keep: false });
    return 1;
  }
  const ha = pair?.isOk() ? pair.value : undefined;
  if (ha) haMetrics = () => renderHaMetrics(ha.status());
  ha?.on('role', (e) => notifySystemd(`STATUS=balancing ${count(loaded.value)}; VRRP ${e.role}`));
  notifySystemd('READY=1', `STATUS=balancing ${count(loaded.value)}`);

  if (options.metrics) {
    const { host, port } = options.metrics;
    try {
      await serveMetrics(host, port, metrics.handler);
      io.info(`metrics on http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`);
    } catch (error) {
      io.warn(`metrics: cannot listen on ${host}:${port}: ${(error as Error).message}`);
    }
  }

  signals.on('SIGHUP', () => {
    void reload('SIGHUP');
  });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      notifySystemd('STOPPING=1');
      io.info(`${signal}: stopping, ${options.keepOnExit ? 'keeping' : 'removing'} the rules`);
      // A pair node gives the VIP away first, then stops balancing.
      const handoff = ha ? ha.stop().then(() => undefined) : Promise.resolve();
      void Promise.all([handoff, closeCtl()])
        .then(() => balancer.stop({ keep: options.keepOnExit }))
        .then((stopped) => {
          // A table that cannot be removed (no working transport, or no longer
          // lbkit's) stays exactly as last applied, as with --keep-on-exit: the
          // stop itself succeeded, the line says what is left and how to remove it.
          if (stopped.isErr()) {
            io.warn(
              `stop: ${stopped.error.message}; remove it with: nft delete table inet ${options.table}`,
            );
          }
          resolve(0);
        });
    };
    signals.on('SIGTERM', () => stop('SIGTERM'));
    signals.on('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * Reads the rules file again and applies only the difference, as SIGHUP
 * does: a bad, cut-short or mostly-removing file is reported (every line
 * also logged) and the running configuration kept.
 */
async function reloadRules(
  options: NftLbOptions,
  balancer: Balancer,
  io: DaemonIo,
  origin: string,
): Promise<ReloadOutcome> {
  io.info(`${origin}: reading ${options.rules}`);
  const refuse = (problems: string[]): ReloadOutcome => {
    for (const line of problems) io.warn(line);
    return { applied: false, problems };
  };
  const next = await loadRules(options);
  if (next.isErr()) {
    const tail = (n: number) =>
      `${options.rules}: not applied (${n.toLocaleString('en-US')} problem(s)); keeping the running configuration`;
    return refuse(failureLines(next.error, tail));
  }
  const shrink = options.allowShrink
    ? undefined
    : reloadShrinkProblem(balancer.services(), next.value, options.maxRemove);
  if (shrink !== undefined) {
    return refuse([
      `${options.rules}: not applied: ${shrink} (--allow-shrink applies it); keeping the running configuration`,
    ]);
  }
  for (const line of ignoredWeights(next.value)) io.warn(`${options.rules}: ${line}`);
  const change = balancer.reload(next.value);
  if (change.isErr()) {
    return refuse([
      `reload refused (${change.error.kind}): ${change.error.message}; keeping the running configuration`,
    ]);
  }
  notifySystemd(`STATUS=balancing ${count(next.value)}`);
  return { applied: true, change: change.value };
}

/** Opens the control socket unless `--no-socket`; `ok(undefined)` when off. */
async function openControlSocket(
  options: NftLbOptions,
  balancer: Balancer,
  io: DaemonIo,
  reload: () => Promise<ReloadOutcome>,
): Promise<Result<CtlServer | undefined, string>> {
  if (options.socket === false) return ok(undefined);
  const path = options.socket ?? defaultSocketPath(options.table);
  if (path === undefined) return err(`no default path for table ${JSON.stringify(options.table)}`);
  const handle = ctlHandler({
    balancer,
    table: options.table,
    rules: options.rules,
    reload,
    info: io.info,
  });
  const server = await startCtlServer({ path, handle });
  if (server.isOk()) io.info(`control socket ${path} (nft-lb ctl)`);
  return server;
}
