/**
 * A balancer daemon driven by a structured config file (JSON or YAML, see
 * `parseConfig` in @lbkit/core): what the dns-cluster and http-cluster
 * examples run. One log line per state change (escaped, capped, never fatal
 * on a closed stdout), `ready` once every destination has its first verdict,
 * SIGHUP reloads the file (only the difference; a bad, empty, cut-short or
 * mostly-removing file is reported and the running configuration kept),
 * SIGTERM/SIGINT stop and remove the rules. Signals are trapped before the
 * first await, so one that arrives while starting is kept.
 */
import { type ConfigIssue, createBalancer, reloadShrinkProblem } from '@lbkit/core';
import type { HaConfig } from '@lbkit/ha';
import { createProbe } from '@lbkit/probes';
import { startPairNode } from '../ha/pair-node.js';
import { type BackendKind, createBackend, type ExampleBackendOptions } from './backend.js';
import { checkConfig } from './check-config.js';
import { loadDaemonConfig, reportConfigIssues } from './daemon-config.js';
import { attachEventLog } from './event-log.js';
import { createLogOutput } from './log-output.js';
import { type TrappedSignals, trapSignals } from './signals.js';

/** What to run. */
export interface ConfigDaemonOptions {
  /** Program name for log lines. */
  readonly program: string;
  /** Config file (.json, .yaml, .yml). */
  readonly config: string;
  readonly backend: BackendKind;
  /** nftables options (table, masquerade, ...). */
  readonly nftables: ExampleBackendOptions;
  /**
   * Accept a config without services or cut short, and a reload that removes
   * more than `maxRemovedShare` of the running services or destinations. Default false.
   */
  readonly allowShrink?: boolean;
  /** Share (0..1) a reload may remove without `allowShrink`. Default 0.5. */
  readonly maxRemovedShare?: number;
  /** Signals trapped by the caller earlier; default: trapped on entry. */
  readonly signals?: TrappedSignals;
  /** Only check the file (and on IPVS that the VIPs are local), change nothing: `--check`. */
  readonly check?: boolean;
  /** Run as one node of a keepalived VRRP pair with these HA options. Default: a single balancer. */
  readonly ha?: HaConfig;
  readonly info?: (line: string) => void;
  readonly warn?: (line: string) => void;
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runConfigDaemon(options: ConfigDaemonOptions): Promise<number> {
  const signals = options.signals ?? trapSignals();
  const log = createLogOutput();
  const info = options.info ?? log.info;
  const warn = options.warn ?? log.warn;
  const report = (issues: readonly ConfigIssue[], outcome: string): void =>
    reportConfigIssues(options.config, issues, warn, outcome);
  if (options.check === true) {
    return checkConfig({
      config: options.config,
      backend: options.backend,
      allowShrink: options.allowShrink === true,
      ...(options.nftables.holdVips !== undefined && { holdVips: options.nftables.holdVips }),
      info,
      warn,
    });
  }
  const load = () =>
    loadDaemonConfig(options.config, options.backend, options.allowShrink === true);
  const loaded = await load();
  if (loaded.isErr()) {
    report(loaded.error, 'nothing was changed');
    return 1;
  }
  if (signals.stopRequested) return 0;
  const backend = await createBackend(options.backend, options.nftables);
  if (backend.isErr()) {
    warn(`${options.backend}: ${backend.error.message}`);
    return 1;
  }
  const balancer = createBalancer({
    services: loaded.value,
    backend: backend.value,
    probes: createProbe,
  });
  attachEventLog(balancer, { info, warn });
  const started = await balancer.start();
  if (started.isErr()) {
    warn(`cannot apply (${started.error.kind}): ${started.error.message}`);
    return 1;
  }
  const names = loaded.value.map((s) => `${s.name} ${s.key.vip}:${s.key.port}/${s.key.protocol}`);
  info(`${options.program}: balancing ${names.join(', ')} with ${backend.value.name}`);
  void balancer.whenReady().then(() => info(`${options.program}: ready`));
  const pair = options.ha ? await startPairNode(options.ha, balancer, { info, warn }) : undefined;
  if (pair?.isErr()) {
    warn(`ha: cannot start: ${pair.error}`);
    await balancer.stop({ keep: false });
    return 1;
  }
  const ha = pair?.isOk() ? pair.value : undefined;

  signals.on('SIGHUP', () => {
    void load().then((next) => {
      if (next.isErr()) {
        report(next.error, 'not applied; keeping the running configuration');
        return;
      }
      const shrink =
        options.allowShrink === true
          ? undefined
          : reloadShrinkProblem(balancer.services(), next.value, options.maxRemovedShare);
      if (shrink !== undefined) {
        warn(`${options.config}: not applied: ${shrink}; keeping the running configuration`);
        return;
      }
      const change = balancer.reload(next.value);
      if (change.isErr()) warn(`reload refused: ${change.error.message}`);
    });
  });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      // A pair node gives the VIP away first, then removes its rules.
      const handoff = ha ? ha.stop().then(() => undefined) : Promise.resolve();
      void handoff
        .then(() => balancer.stop({ keep: false }))
        .then((stopped) => {
          if (stopped.isErr()) warn(`stop: ${stopped.error.message}`);
          resolve(stopped.isErr() ? 1 : 0);
        });
    };
    signals.on('SIGTERM', stop);
    signals.on('SIGINT', stop);
  });
}
