import {
  type BackendCapabilities,
  type BackendError,
  backendError,
  type CloseOptions,
  type DesiredState,
  type ObservedState,
} from '@lbkit/core';
import { err, ok, type Result, ResultAsync } from 'neverthrow';
import { diffStates, driftBetween, staleUdpFlows } from './backend-state.js';
import type {
  NftablesApplyReport,
  NftablesBackend,
  NftablesBackendOptions,
  NftablesStats,
} from './backend-types.js';
import { createCommandWriter, resolveWritePath } from './command-writer.js';
import { type ConntrackCleaner, createConntrackToolCleaner } from './conntrack.js';
import { parseObservedState } from './read/parse-observed.js';
import {
  type NftCommand,
  renderChangeCommands,
  renderDeleteTable,
  renderRulesetCommands,
  resolveRenderOptions,
  serviceFromChain,
  TABLE_FAMILY,
} from './render/index.js';
import { detectTransport } from './transport/detect.js';
import type { NftTransport } from './transport/transport.js';

/** Default of `driftCheckInterval` (ms). */
export const DEFAULT_DRIFT_CHECK_INTERVAL = 10_000;

/** What the nftables backend can represent (see the README for why). */
export const NFTABLES_CAPABILITIES: BackendCapabilities = {
  // Read-back sees map slots: exact for wrr/random, not for rr/sh/mh (weights are not slots there).
  weights: false,
  // A drained destination has no slot: it is invisible in the kernel (its counter stays).
  keepsDrained: false,
  ipv6: true,
  udp: true,
  schedulers: ['rr', 'wrr', 'random', 'sh', 'mh'],
};

const isMissingTable = (e: BackendError): boolean => /No such file or directory/.test(e.message);

/**
 * Creates the nftables backend. Every apply is ONE transaction (one raw
 * nf_tables netlink batch, or one `transport.run` of the same commands as nft
 * text, see `writePath`): the first apply (and any apply after a failure or a
 * detected drift) replaces the whole table — including one left by an earlier
 * run — in a single transaction, so there is no moment without rules; later
 * applies send only the changes of the services that differ from the last
 * applied state, so one destination flip costs the same for 10 or 10,000
 * services. Fails with `unavailable` (no transport) or `rejected` (invalid
 * render options); `apply` fails with `unsupported` (lc, wlc) before touching
 * the kernel, `rejected` when nft refuses a script (nothing committed).
 */
export function createNftablesBackend(
  options: NftablesBackendOptions = {},
): Result<NftablesBackend, BackendError> {
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  const table = resolved.value.table;
  const interval = options.driftCheckInterval ?? DEFAULT_DRIFT_CHECK_INTERVAL;
  if (!Number.isFinite(interval) || interval < 0) {
    return err(backendError('rejected', `driftCheckInterval must be >= 0, got ${interval}`));
  }
  let transport: NftTransport;
  const ownTransport = options.transport === undefined;
  if (options.transport) transport = options.transport;
  else {
    const detected = detectTransport(options.netns === undefined ? {} : { netns: options.netns });
    if (detected.isErr()) return err(detected.error);
    transport = detected.value;
  }
  let conntrack: ConntrackCleaner | undefined;
  if (options.conntrack !== false) {
    conntrack =
      options.conntrack ??
      createConntrackToolCleaner(
        options.netns === undefined ? {} : { netns: options.netns },
      ).unwrapOr(undefined);
  }
  const now = options.now ?? Date.now;
  const writePath = resolveWritePath(options.writePath, transport, options.netns);
  if (writePath.isErr()) return err(writePath.error);
  // The netlink socket acts in the transport's namespace, never elsewhere.
  const writer = createCommandWriter({
    table,
    transport,
    path: writePath.value,
    netns: transport.netns,
  });
  const renderOptions = { ...options };

  /** Last state committed to the kernel by this instance; undefined = unknown (next apply is full). */
  let applied: DesiredState | undefined;
  let lastDriftCheck = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();

  /** Runs operations one at a time (apply, read, close never interleave). */
  const serial = <T>(
    work: () => Promise<Result<T, BackendError>>,
  ): ResultAsync<T, BackendError> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return new ResultAsync(
      run.catch((cause: unknown) =>
        err(backendError('internal', `nftables backend: ${String(cause)}`, { cause })),
      ),
    );
  };

  const readNow = async (): Promise<Result<ObservedState, BackendError>> => {
    const doc = await transport.json(`list table ${TABLE_FAMILY} ${table}`);
    if (doc.isErr()) return isMissingTable(doc.error) ? ok({ services: [] }) : err(doc.error);
    return parseObservedState(doc.value, { table, serviceName: serviceFromChain });
  };

  const driftNow = async (): Promise<Result<string[], BackendError>> => {
    const observed = await readNow();
    lastDriftCheck = now();
    if (observed.isErr()) return err(observed.error);
    return ok(applied ? driftBetween(applied, observed.value) : []);
  };

  const applyNow = async (
    desired: DesiredState,
  ): Promise<Result<NftablesApplyReport, BackendError>> => {
    if (closed) return err(backendError('closed', 'nftables backend is closed'));
    const started = performance.now();
    const previous = applied;
    let drift: string[] = [];
    let full = previous === undefined;
    if (!full && now() - lastDriftCheck >= interval) {
      const found = await driftNow();
      drift = found.isOk() ? found.value : [`read-back failed: ${found.error.message}`];
      full = drift.length > 0;
    }
    const delta = diffStates(previous, desired);
    let mode: NftablesApplyReport['mode'] = full ? 'full' : 'changes';
    let commands: Result<readonly NftCommand[], BackendError>;
    if (full) commands = renderRulesetCommands(desired, renderOptions);
    else if (delta.changed.length === 0) commands = ok([]);
    else commands = renderChangeCommands(delta.previous, delta.next, renderOptions);
    if (commands.isErr()) return err(commands.error);
    let operations = commands.value.length;
    const warnings: string[] = [];
    let path: NftablesApplyReport['path'] = 'none';
    if (operations === 0) mode = 'none';
    else {
      let result = await writer.write(commands.value);
      if (result.isErr() && !full && result.error.kind === 'rejected') {
        // The incremental change did not fit the kernel's table: someone changed it. Replace it.
        drift = [...drift, `incremental change refused: ${result.error.message}`];
        const whole = renderRulesetCommands(desired, renderOptions);
        if (whole.isErr()) return err(whole.error);
        mode = 'full';
        operations += whole.value.length;
        result = await writer.write(whole.value);
      }
      if (result.isErr()) {
        applied = undefined; // state unknown: the next apply replaces the table
        return err(result.error);
      }
      path = result.value.path;
      for (const warning of result.value.warnings) warnings.push(warning);
    }
    applied = desired;
    if (mode === 'full') lastDriftCheck = now();
    let conntrackDeleted = 0;
    const stale = staleUdpFlows(delta.previous, delta.next);
    if (conntrack && stale.length > 0) {
      const deleted = await conntrack.deleteUdpFlows(stale);
      if (deleted.isOk()) conntrackDeleted = deleted.value;
      else warnings.push(`conntrack cleanup: ${deleted.error.message}`);
    }
    return ok({
      operations,
      durationMs: performance.now() - started,
      changedServices:
        mode === 'none'
          ? []
          : mode === 'full'
            ? [...new Set([...desired.services.map((x) => x.name), ...delta.changed])].sort()
            : [...delta.changed],
      mode,
      path,
      transport: transport.name,
      drift,
      conntrackDeleted,
      warnings,
    });
  };

  const closeNow = async (keep: boolean): Promise<Result<void, BackendError>> => {
    if (closed) return ok(undefined);
    if (!keep) {
      const script = renderDeleteTable(renderOptions);
      if (script.isErr()) return err(script.error);
      const result = await transport.run(script.value);
      if (result.isErr() && !isMissingTable(result.error)) return err(result.error);
    }
    closed = true;
    applied = undefined;
    writer.close();
    if (ownTransport) transport.close();
    return ok(undefined);
  };

  const stats = (observed: ObservedState): NftablesStats => ({
    services: observed.services.map((s) => ({
      key: s.key,
      ...(s.name !== undefined ? { name: s.name } : {}),
      packets: s.packets ?? 0,
      bytes: s.bytes ?? 0,
      destinations: s.destinations.map((d) => ({
        address: d.address,
        port: d.port,
        packets: d.packets ?? 0,
        bytes: d.bytes ?? 0,
      })),
    })),
  });

  const guard = <T>(work: () => Promise<Result<T, BackendError>>) =>
    serial(() =>
      closed ? Promise.resolve(err(backendError('closed', 'nftables backend is closed'))) : work(),
    );

  return ok({
    name: 'nftables',
    transport: transport.name,
    writePath: writePath.value,
    capabilities: NFTABLES_CAPABILITIES,
    apply: (desired) => serial(() => applyNow(desired)),
    read: () => guard(readNow),
    stats: () => guard(readNow).map(stats),
    checkDrift: () => guard(driftNow),
    close: (closeOptions: CloseOptions = {}) => serial(() => closeNow(closeOptions.keep ?? false)),
  });
}
