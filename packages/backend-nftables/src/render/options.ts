import { type BackendError, backendError, type IpFamily, parseAddress } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { DEFAULT_TABLE, validateName } from '../names.js';

/**
 * Which nat hooks dispatch to services. Both off makes an SNAT companion
 * (needs `masquerade` or `snat`): nothing is dispatched, and the postrouting
 * rules SNAT the flows another balancer translated to the services'
 * destinations, matched on the conntrack original tuple (IPVS with
 * `net.ipv4.vs.conntrack=1`; see `withCompanion` in @lbkit/core).
 */
export interface NftablesHooks {
  /** nat `prerouting` (traffic arriving at the balancer). Default true. */
  readonly prerouting?: boolean;
  /** nat `output` (clients on the balancer host itself are balanced too). Default false. */
  readonly output?: boolean;
}

/** Options of `renderRuleset` / `renderChanges` (and of the nftables backend). */
export interface NftablesRenderOptions {
  /** Table name (family `inet`), validated like model names. Default `lbkit`. */
  readonly table?: string;
  /** Dispatch hooks. Default `{ prerouting: true, output: false }`. */
  readonly hooks?: NftablesHooks;
  /**
   * SNAT (masquerade) balanced traffic on its way to the destination, so replies
   * come back through the balancer without route changes (the article's level 2).
   * Default false: the client IP is preserved (level 3; servers route back via us).
   */
  readonly masquerade?: boolean;
  /**
   * SNAT balanced traffic to a FIXED address instead of the outgoing
   * interface's (`masquerade`): on a balancer pair, the floating address that
   * moves with the VIP (the VIP itself or an inner VIP on the servers' side),
   * so the servers' replies reach whichever node owns it after a failover.
   * One address per family; balanced flows of a family without one are not
   * SNATed. Excludes `masquerade`. Default: unset.
   */
  readonly snat?: NftablesSnat;
  /**
   * When set (e.g. 333444555), a filter `forward` chain at priority -10 sets this
   * packet mark on every forwarded packet of a balanced connection, both
   * directions, so an outer `mark != 333444555 drop` rule lets it through.
   * 1..0xffffffff. Default: unset (no forward chain).
   */
  readonly forwardMark?: number;
  /** Named counters per service and per destination. Default true. */
  readonly counters?: boolean;
  /** Maglev lookup table size for `mh`: a prime, 2..65521. Default 251. */
  readonly mhTableSize?: number;
  /**
   * Number of slot map shards per family and protocol, 1..65536 (a service
   * goes to shard `fnv1a32(name) mod slotMapShards`; maps are created when a
   * service first uses them). Default 256. Changing it moves every service.
   */
  readonly slotMapShards?: number;
}

/** The fixed SNAT addresses of `NftablesRenderOptions.snat`, one per family. */
export interface NftablesSnat {
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/** Options with every default applied. */
export interface ResolvedRenderOptions {
  readonly table: string;
  readonly hooks: { readonly prerouting: boolean; readonly output: boolean };
  readonly masquerade: boolean;
  /** Canonical SNAT address per family (`snat`); empty when unset. */
  readonly snat: Readonly<Partial<Record<IpFamily, string>>>;
  readonly forwardMark: number | undefined;
  readonly counters: boolean;
  readonly mhTableSize: number;
  readonly slotMapShards: number;
}

/** Default `slotMapShards`. */
export const DEFAULT_SLOT_MAP_SHARDS = 256;

/** Default Maglev table size (prime). */
export const DEFAULT_MH_TABLE_SIZE = 251;
/** Largest accepted Maglev table size (largest prime below 2^16). */
export const MAX_MH_TABLE_SIZE = 65521;

/** True when `n` is a prime. */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** Applies defaults and validates render options. */
export function resolveRenderOptions(
  options: NftablesRenderOptions = {},
): Result<ResolvedRenderOptions, BackendError> {
  const table = validateName(options.table ?? DEFAULT_TABLE, 'table');
  if (table.isErr()) return err(table.error);
  const mhTableSize = options.mhTableSize ?? DEFAULT_MH_TABLE_SIZE;
  if (!isPrime(mhTableSize) || mhTableSize > MAX_MH_TABLE_SIZE) {
    return err(
      backendError(
        'rejected',
        `mhTableSize must be a prime <= ${MAX_MH_TABLE_SIZE}, got ${mhTableSize}`,
      ),
    );
  }
  const slotMapShards = options.slotMapShards ?? DEFAULT_SLOT_MAP_SHARDS;
  if (!Number.isInteger(slotMapShards) || slotMapShards < 1 || slotMapShards > 65536) {
    return err(
      backendError('rejected', `slotMapShards must be an integer 1..65536, got ${slotMapShards}`),
    );
  }
  const mark = options.forwardMark;
  if (mark !== undefined && (!Number.isInteger(mark) || mark < 1 || mark > 0xffffffff)) {
    return err(
      backendError('rejected', `forwardMark must be an integer 1..4294967295, got ${mark}`),
    );
  }
  const hooks = {
    prerouting: options.hooks?.prerouting ?? true,
    output: options.hooks?.output ?? false,
  };
  const snat = resolveSnat(options);
  if (snat.isErr()) return err(snat.error);
  const snatting = options.masquerade === true || Object.keys(snat.value).length > 0;
  if (!hooks.prerouting && !hooks.output && !snatting) {
    return err(
      backendError(
        'rejected',
        'at least one of hooks.prerouting and hooks.output must be on (without both, the table only SNATs flows another balancer translated: set masquerade or snat)',
      ),
    );
  }
  return ok({
    table: table.value,
    hooks,
    masquerade: options.masquerade ?? false,
    snat: snat.value,
    forwardMark: mark,
    counters: options.counters ?? true,
    mhTableSize,
    slotMapShards,
  });
}

/** Validates `snat`: canonical addresses of the right family, not with `masquerade`. */
function resolveSnat(
  options: NftablesRenderOptions,
): Result<Readonly<Partial<Record<IpFamily, string>>>, BackendError> {
  if (options.snat === undefined) return ok({});
  if (options.masquerade) {
    return err(backendError('rejected', 'snat and masquerade exclude each other'));
  }
  const out: Partial<Record<IpFamily, string>> = {};
  for (const [key, family] of [
    ['ipv4', 4],
    ['ipv6', 6],
  ] as const) {
    const text = options.snat[key];
    if (text === undefined) continue;
    const parsed = typeof text === 'string' ? parseAddress(text) : undefined;
    if (parsed?.family !== family) {
      return err(
        backendError(
          'rejected',
          `snat.${key} must be an IPv${family} address, got ${JSON.stringify(text)}`,
        ),
      );
    }
    out[family] = parsed.canonical;
  }
  if (out[4] === undefined && out[6] === undefined) {
    return err(backendError('rejected', 'snat needs an ipv4 or an ipv6 address'));
  }
  return ok(out);
}
