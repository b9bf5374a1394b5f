import {
  type BackendCapabilities,
  type BackendError,
  backendError,
  type CloseOptions,
  type DesiredState,
  type DriftReport,
  type ObservedState,
} from '@lbkit/core';
import {
  type AbstractLock,
  acquireAbstractLock,
  createSerialQueue,
  lockRefusal,
  runInSlices,
} from '@lbkit/netlink';
import { err, ok, type Result, ResultAsync } from 'neverthrow';
import { TABLE_COMMENT } from '../names.js';
import { changeCommands } from '../render/changes.js';
import type { NftCommand } from '../render/commands.js';
import { resolveRenderOptions } from '../render/options.js';
import { rulesetCommandsSteps } from '../render/ruleset.js';
import { createConntrackFlowCounter } from '../transport/conntrack-count.js';
import { createDefaultTransport } from '../transport/default-transport.js';
import type { NftTransport, TableProbe, WriteReport } from '../transport/transport.js';
import type {
  NftablesApplyReport,
  NftablesBackend,
  NftablesBackendOptions,
  NftablesStats,
} from './backend-types.js';
import { diffStates, driftBetween, staleUdpFlows } from './state-diff.js';

/** Default of `driftCheckInterval` (ms). */
export const DEFAULT_DRIFT_CHECK_INTERVAL = 1000;

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

const statsOf = (observed: ObservedState): NftablesStats => ({
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

/** The lock name of a table: one daemon per table and namespace. */
export const tableLockName = (table: string): string => `lbkit/nftables/inet/${table}`;

/**
 * Creates the nftables backend. Every apply is ONE transaction (one raw
 * nf_tables netlink batch by default): the first apply (and any apply after a
 * failure or a refused change) replaces the whole table — including one left
 * by an earlier run — in a single transaction, so there is no moment without
 * rules; later applies send only the changes of the services that differ from
 * the last applied state, so one destination flip costs the same for 10 or
 * 10,000 services. A table lbkit did not create (no `managed by lbkit`
 * comment) is never modified or deleted. Fails with `unavailable` (no
 * transport), `busy` (another process holds the table's lock) or `rejected`
 * (invalid options); `apply` fails with `unsupported` (lc, wlc) before
 * touching the kernel, `rejected` when the kernel refuses a transaction
 * (nothing committed) or the table is not lbkit's.
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
  if (options.transport && options.transport.table !== table) {
    return err(
      backendError(
        'rejected',
        `the transport acts on table ${options.transport.table}, the backend on ${table}`,
      ),
    );
  }
  let lock: AbstractLock | undefined;
  if (options.lock ?? options.transport === undefined) {
    const taken = acquireAbstractLock(tableLockName(table), {
      ...(options.netns === undefined ? {} : { netns: options.netns }),
    });
    if (taken.isErr()) {
      const refusal = lockRefusal(`table inet ${table}`, 'table', taken.error);
      return err(backendError(refusal.kind, refusal.message));
    }
    lock = taken.value;
  }
  let transport: NftTransport;
  if (options.transport) transport = options.transport;
  else {
    const made = createDefaultTransport({
      table,
      ...(options.netns === undefined ? {} : { netns: options.netns }),
    });
    if (made.isErr()) {
      lock?.release();
      return err(made.error);
    }
    transport = made.value;
  }
  const ownTransport = options.transport === undefined;
  const flowCounter =
    options.flowCounter ??
    createConntrackFlowCounter(options.netns === undefined ? {} : { netns: options.netns });
  const renderOptions = { ...options, table };

  /** Last state committed by this instance; undefined = unknown (next apply is full). */
  let applied: DesiredState | undefined;
  /**
   * The kernel generation at which the table was known to hold exactly
   * `applied` (after our own commit, with nobody else's in between);
   * undefined = not known, the next drift check reads the table.
   */
  let verified: number | undefined;
  let closed = false;
  /** The full ruleset of `applied`, rendered once per applied state (drift checks compare with it). */
  let expected: { state: DesiredState; commands: readonly NftCommand[] } | undefined;
  /** When the whole table was last read and compared, and how long that took (ms). */
  let lastFullCheck = Number.NEGATIVE_INFINITY;
  let lastFullCheckMs = 0;

  /** Runs operations one at a time (apply, read, drift check, close never interleave). */
  const serial = createSerialQueue((cause) =>
    backendError('internal', `nftables backend: ${String(cause)}`, { cause }),
  );
  const closedError = () => err(backendError('closed', 'nftables backend is closed'));

  const notOurs = (probe: TableProbe): BackendError =>
    backendError(
      'rejected',
      `table inet ${table} exists and was not created by lbkit (${probe.comment === undefined ? 'no comment' : `comment ${JSON.stringify(probe.comment)}`}, not ${JSON.stringify(TABLE_COMMENT)}): it is never modified or deleted; use another table name${options.adoptTable ? '' : ', or adoptTable to take it over'}`,
    );

  /** The table's probe, refusing a table that is not lbkit's. */
  const ownTable = async (): Promise<Result<TableProbe, BackendError>> => {
    const probe = await transport.probe();
    if (probe.isErr()) return err(probe.error);
    const p = probe.value;
    if (p.exists && p.comment !== TABLE_COMMENT && !options.adoptTable) return err(notOurs(p));
    return ok(p);
  };

  /** Records what a successful write says about the generation. */
  const afterWrite = (report: WriteReport, before: number | undefined): void => {
    verified =
      before !== undefined && report.generation !== undefined && report.generation === before + 1
        ? report.generation
        : undefined;
  };

  /** Replaces the whole table with `desired` in one transaction (after the ownership check). */
  const rewrite = async (
    desired: DesiredState,
  ): Promise<Result<{ report: WriteReport; commands: number }, BackendError>> => {
    const own = await ownTable();
    if (own.isErr()) return err(own.error);
    const commands = await runInSlices(rulesetCommandsSteps(desired, renderOptions));
    if (commands.isErr()) return err(commands.error);
    const written = await transport.write(commands.value);
    if (written.isErr()) return err(written.error);
    afterWrite(written.value, own.value.generation);
    return ok({ report: written.value, commands: commands.value.length });
  };

  const applyNow = async (
    desired: DesiredState,
  ): Promise<Result<NftablesApplyReport, BackendError>> => {
    if (closed) return closedError();
    const started = performance.now();
    const previous = applied;
    const delta = diffStates(previous, desired);
    const drift: string[] = [];
    const warnings: string[] = [];
    let mode: NftablesApplyReport['mode'] = previous === undefined ? 'full' : 'changes';
    let operations = 0;
    let path = 'none';
    // Nothing reaches the kernel before the whole change rendered.
    let changes: Result<readonly NftCommand[], BackendError> = ok([]);
    if (mode === 'changes' && delta.changed.length > 0) {
      changes = changeCommands(delta.previous, delta.next, renderOptions);
    }
    if (changes.isErr()) return err(changes.error);
    if (mode === 'changes' && changes.value.length > 0) {
      const before = verified;
      const written = await transport.write(changes.value);
      operations = changes.value.length;
      if (written.isOk()) {
        afterWrite(written.value, before);
        path = written.value.path;
        for (const warning of written.value.warnings) warnings.push(warning);
      } else if (written.error.kind === 'rejected') {
        // The change did not fit the kernel's table: someone changed it. Replace it.
        drift.push(`incremental change refused: ${written.error.message}`);
        mode = 'full';
      } else {
        applied = undefined; // outcome unknown: the next apply replaces the table
        return err(written.error);
      }
    }
    if (mode === 'full') {
      const whole = await rewrite(desired);
      if (whole.isErr()) {
        applied = undefined;
        return err(whole.error);
      }
      operations += whole.value.commands;
      path = whole.value.report.path;
      for (const warning of whole.value.report.warnings) warnings.push(warning);
    } else if (operations === 0) mode = 'none';
    applied = desired;
    let conntrackDeleted = 0;
    const stale = staleUdpFlows(delta.previous, delta.next);
    if (options.conntrack !== false && stale.length > 0) {
      const deleted = await transport.forgetUdpFlows(stale);
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

  /** The differences between the table and `state`, whole objects when the transport can. */
  const differences = async (
    state: DesiredState,
  ): Promise<Result<{ lines: readonly string[]; generation?: number }, BackendError>> => {
    if (transport.compare) {
      if (expected?.state !== state) {
        const commands = await runInSlices(rulesetCommandsSteps(state, renderOptions));
        if (commands.isErr()) return err(commands.error);
        expected = { state, commands: commands.value };
      }
      const compared = await transport.compare(expected.commands);
      if (compared.isErr()) return err(compared.error);
      const { differences: lines, generation } = compared.value;
      return ok(generation === undefined ? { lines } : { lines, generation });
    }
    const observed = await transport.read();
    if (observed.isErr()) return err(observed.error);
    return ok({ lines: driftBetween(state, observed.value) });
  };

  const checkNow = async (): Promise<Result<DriftReport, BackendError>> => {
    if (closed) return closedError();
    const started = performance.now();
    const state = applied;
    const report = (found: readonly string[], method: DriftReport['method'], repaired = false) =>
      ok({ found, repaired, method, durationMs: performance.now() - started });
    if (state === undefined) return report([], 'none');
    const probe = await transport.probe();
    if (probe.isErr()) return err(probe.error);
    const p = probe.value;
    if (p.exists && p.comment !== TABLE_COMMENT && !options.adoptTable) {
      applied = undefined;
      return err(notOurs(p));
    }
    if (p.exists && !p.dormant && p.generation !== undefined && p.generation === verified) {
      return report([], 'generation');
    }
    // Someone committed (or our last commit could not be verified). The table
    // itself is fine; reading ALL of it is spaced out to stay cheap: at most
    // every 10 times its own last duration (and never more than the interval).
    const spacing = Math.max(interval, 10 * lastFullCheckMs);
    if (p.exists && !p.dormant && performance.now() - lastFullCheck < spacing) {
      return report([], 'table');
    }
    const found: string[] = [];
    if (!p.exists) found.push(`table inet ${table} is missing`);
    else {
      if (p.dormant) found.push(`table inet ${table} is dormant`);
      const readStarted = performance.now();
      const diff = await differences(state);
      lastFullCheck = performance.now();
      lastFullCheckMs = lastFullCheck - readStarted;
      if (diff.isErr()) found.push(`read-back failed: ${diff.error.message}`);
      else {
        for (const line of diff.value.lines) if (!/ is dormant$/.test(line)) found.push(line);
        if (found.length === 0) {
          verified = diff.value.generation;
          return report([], 'read');
        }
      }
    }
    const repaired = await rewrite(state);
    if (repaired.isErr()) {
      applied = undefined; // the next apply replaces the table
      return err(
        backendError(
          repaired.error.kind,
          `drift (${found.join('; ')}) not repaired: ${repaired.error.message}`,
          {
            cause: repaired.error,
          },
        ),
      );
    }
    return report(found, 'read', true);
  };

  const closeNow = async (keep: boolean): Promise<Result<void, BackendError>> => {
    if (closed) return ok(undefined);
    let outcome: Result<void, BackendError> = ok(undefined);
    if (!keep) {
      const probe = await transport.probe();
      if (probe.isErr()) outcome = err(probe.error);
      else if (probe.value.exists && probe.value.comment !== TABLE_COMMENT) {
        outcome = err(notOurs(probe.value));
      } else if (probe.value.exists) {
        const removed = await transport.write([{ verb: 'delete', object: 'table' }]);
        if (removed.isErr()) outcome = err(removed.error);
      }
    }
    closed = true;
    applied = undefined;
    if (ownTransport) transport.close();
    lock?.release();
    if (outcome.isErr()) {
      const e = outcome.error;
      return err(
        backendError(
          e.kind,
          `table inet ${table} was not removed and stays as last applied: ${e.message}`,
          { cause: e },
        ),
      );
    }
    return outcome;
  };

  const guard = <T>(work: () => Promise<Result<T, BackendError>>) =>
    serial(() => (closed ? Promise.resolve(closedError()) : work()));

  return ok({
    name: 'nftables',
    transport: transport.name,
    driftCheckIntervalMs: interval,
    capabilities: NFTABLES_CAPABILITIES,
    apply: (desired) => serial(() => applyNow(desired)),
    read: () => guard(async () => transport.read()),
    stats: () => guard(async () => transport.read()).map(statsOf),
    checkDrift: () => serial(checkNow),
    countFlows: (queries) =>
      closed ? new ResultAsync(Promise.resolve(closedError())) : flowCounter(queries),
    close: (closeOptions: CloseOptions = {}) => serial(() => closeNow(closeOptions.keep ?? false)),
  });
}
