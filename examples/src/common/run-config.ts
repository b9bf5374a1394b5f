/**
 * A balancer daemon driven by a structured config file (JSON or YAML, see
 * `parseConfig` in @lbkit/core): what the dns-cluster and http-cluster
 * examples run. One log line per state change, `ready` once every destination
 * has its first verdict, SIGHUP reloads the file (only the difference),
 * SIGTERM/SIGINT stop and remove the rules.
 */
import { createBalancer, formatConfigIssue, loadConfigFile } from '@lbkit/core';
import type { HaConfig } from '@lbkit/ha';
import { createProbe } from '@lbkit/probes';
import { startPairNode } from '../ha/pair-node.js';
import { type BackendKind, createBackend, type ExampleBackendOptions } from './backend.js';
import { attachEventLog } from './event-log.js';

/** What to run. */
export interface ConfigDaemonOptions {
  /** Program name for log lines. */
  readonly program: string;
  /** Config file (.json, .yaml, .yml). */
  readonly config: string;
  readonly backend: BackendKind;
  /** nftables options (table, masquerade, ...). */
  readonly nftables: ExampleBackendOptions;
  /** Run as one node of a keepalived VRRP pair with these HA options. Default: a single balancer. */
  readonly ha?: HaConfig;
  readonly info?: (line: string) => void;
  readonly warn?: (line: string) => void;
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function runConfigDaemon(options: ConfigDaemonOptions): Promise<number> {
  const info = options.info ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const loaded = await loadConfigFile(options.config);
  if (loaded.isErr()) {
    for (const issue of loaded.error) warn(formatConfigIssue(issue));
    return 1;
  }
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

  process.on('SIGHUP', () => {
    void loadConfigFile(options.config).then((next) => {
      if (next.isErr()) {
        for (const issue of next.error) warn(formatConfigIssue(issue));
        warn(`${options.config}: not applied; keeping the running configuration`);
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
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
