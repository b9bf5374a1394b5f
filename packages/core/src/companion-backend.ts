/**
 * One backend balancing, another adding what the first cannot do, applied as
 * one: the IPVS backend balances and an nftables table with no dispatch hooks
 * SNATs what IPVS forwarded (IPVS has no SNAT; the article's level 2 on IPVS).
 * @module
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { ApplyReport, Backend, BackendError, CloseOptions, DriftReport } from './backend.js';
import type { DesiredState } from './desired.js';

/** Options of `withCompanion`. */
export interface CompanionOptions {
  /**
   * What the companion is given instead of the desired state itself (e.g.
   * scheduler and forwarding it cannot render replaced by ones it can, when
   * it never dispatches). Default: the desired state unchanged.
   */
  readonly desiredForCompanion?: (desired: DesiredState) => DesiredState;
  /** Backend name. Default `<primary>+<companion>`. */
  readonly name?: string;
  /** Clock (ms) that spaces each backend's drift checks at its own interval. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A backend that applies `companion` first and `primary` second, so what the
 * companion adds (SNAT rules) is in place before the primary sends traffic
 * to a new service. A companion failure stops the apply before the primary
 * is touched; a primary failure is returned as it is (the companion's extra
 * state is harmless without the primary's, and the next apply converges
 * both). Reads, flow counts and capabilities are the primary's; a drift check
 * checks both; closing closes both.
 */
export function withCompanion(
  primary: Backend,
  companion: Backend,
  options: CompanionOptions = {},
): Backend {
  const forCompanion = options.desiredForCompanion ?? ((desired: DesiredState) => desired);
  const apply = (desired: DesiredState): ResultAsync<ApplyReport, BackendError> =>
    companion
      .apply(forCompanion(desired))
      .andThen((extra) => primary.apply(desired).map((main) => mergeReports(main, extra)));
  // Both are closed whatever the first says; the first failure is returned.
  const close = (closeOptions?: CloseOptions): ResultAsync<void, BackendError> =>
    primary
      .close(closeOptions)
      .orElse((failure) => companion.close(closeOptions).andThen(() => errAsync(failure)))
      .andThen(() => companion.close(closeOptions));
  const interval = driftInterval(primary, companion);
  const checkDrift = driftChecker(primary, companion, interval, options.now ?? Date.now);
  return {
    name: options.name ?? `${primary.name}+${companion.name}`,
    capabilities: primary.capabilities,
    apply,
    read: () => primary.read(),
    ...(interval > 0 ? { checkDrift } : {}),
    ...(primary.countFlows ? { countFlows: primary.countFlows.bind(primary) } : {}),
    ...(interval > 0 ? { driftCheckIntervalMs: interval } : {}),
    close,
  };
}

/** The primary's report; the companion's operations and warnings added. */
function mergeReports(main: ApplyReport, extra: ApplyReport): ApplyReport {
  const warnings = [...(main.warnings ?? []), ...(extra.warnings ?? [])];
  return {
    ...main,
    operations: main.operations + extra.operations,
    durationMs: main.durationMs + extra.durationMs,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The shorter of the two drift intervals that are set; 0 when neither is. */
function driftInterval(a: Backend, b: Backend): number {
  const x = a.checkDrift ? (a.driftCheckIntervalMs ?? 0) : 0;
  const y = b.checkDrift ? (b.driftCheckIntervalMs ?? 0) : 0;
  if (x > 0 && y > 0) return Math.min(x, y);
  return x > 0 ? x : y;
}

const NOTHING: DriftReport = { found: [], repaired: false, method: 'none', durationMs: 0 };

/**
 * Checks (and repairs) both, each no more often than its own interval (the
 * composite is called at the shorter one); one report: both findings,
 * repaired if either repaired.
 */
function driftChecker(
  primary: Backend,
  companion: Backend,
  every: number,
  now: () => number,
): () => ResultAsync<DriftReport, BackendError> {
  const last = new Map<Backend, number>();
  const check = (b: Backend): ResultAsync<DriftReport, BackendError> => {
    const interval = b.driftCheckIntervalMs ?? 0;
    const at = now();
    if (!b.checkDrift || interval <= 0) return okAsync(NOTHING);
    // Half a composite interval of slack: the caller's timer is not exact.
    if (at - (last.get(b) ?? Number.NEGATIVE_INFINITY) < interval - every / 2) {
      return okAsync(NOTHING);
    }
    last.set(b, at);
    return b.checkDrift();
  };
  return () =>
    check(primary).andThen((a) =>
      check(companion).map(
        (b): DriftReport => ({
          found: [...a.found, ...b.found],
          repaired: a.repaired || b.repaired,
          // The primary's method, unless only the companion looked further.
          method: a.found.length === 0 && b.found.length > 0 ? b.method : a.method,
          durationMs: a.durationMs + b.durationMs,
        }),
      ),
    );
}
