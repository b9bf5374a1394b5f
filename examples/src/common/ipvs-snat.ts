/**
 * The article's level 2 on IPVS: IPVS has no SNAT, so an nftables table with
 * no dispatch hook SNATs what IPVS forwarded (matched on the conntrack
 * original tuple, which IPVS keeps when `net.ipv4.vs.conntrack` is 1, as
 * kube-proxy's IPVS mode does), applied before IPVS on every change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createNftablesBackend, type NftablesRenderOptions } from '@lbkit/backend-nftables';
import {
  type Backend,
  type BackendError,
  backendError,
  type DesiredState,
  withCompanion,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';

/** The sysctl that makes IPVS keep netfilter conntrack entries for its flows (per namespace). */
export const IPVS_CONNTRACK_SYSCTL = '/proc/sys/net/ipv4/vs/conntrack';

/** True when `options` asks for SNAT (masquerade or a fixed address). */
export const wantsSnat = (options: NftablesRenderOptions): boolean =>
  options.masquerade === true || Object.keys(options.snat ?? {}).length > 0;

/**
 * `ipvs` with an nftables SNAT companion (table `options.table`, no dispatch
 * hook, `masquerade` or `snat` from `options`); turns `net.ipv4.vs.conntrack`
 * on first. Fails when the sysctl cannot be set or the options are refused.
 */
export function withIpvsSnat(
  ipvs: Backend,
  options: NftablesRenderOptions,
  sysctl = IPVS_CONNTRACK_SYSCTL,
): Result<Backend, BackendError> {
  const on = enableIpvsConntrack(sysctl);
  if (on.isErr()) return err(on.error);
  const snat = createNftablesBackend({
    ...options,
    hooks: { prerouting: false, output: false },
    counters: false,
  });
  if (snat.isErr()) return err(snat.error);
  return ok(
    withCompanion(ipvs, snat.value, {
      name: `${ipvs.name}+nftables-snat`,
      desiredForCompanion: asSnatOnly,
    }),
  );
}

/**
 * What the companion renders: it never dispatches, so IPVS-only choices
 * (schedulers such as `wlc`, persistence, DR/TUN forwarding) are replaced by
 * ones nftables takes; only (VIP, port, protocol, destinations) matter.
 */
export function asSnatOnly(desired: DesiredState): DesiredState {
  return {
    services: desired.services
      // DR and TUN replies never pass the balancer: nothing to SNAT.
      .filter((s) => (s.forward ?? 'nat') === 'nat')
      .map(({ forward: _forward, quorumStatus: _quorum, ...s }) => ({
        ...s,
        scheduler: 'rr',
        persistence: 0,
      })),
  };
}

function enableIpvsConntrack(path: string): Result<void, BackendError> {
  try {
    if (readFileSync(path, 'utf8').trim() !== '1') writeFileSync(path, '1\n');
    return ok(undefined);
  } catch (cause) {
    return err(
      backendError('unavailable', `cannot turn on ${path} (IPVS SNAT needs it): ${String(cause)}`, {
        cause,
      }),
    );
  }
}
