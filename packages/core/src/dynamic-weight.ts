/**
 * Dynamic weights: what an agent said (HAProxy agent-check `N%`, `drain`,
 * `maint`; keepalived `misc_dynamic`) and the slow-start ramp, turned into the
 * weights `plan()` puts in the desired state. Pure.
 */
import type { DestinationStatus } from './balancer-types.js';

/**
 * Largest factor by which a service's weights are multiplied while some
 * destination has a fractional share, so that `25%` of weight 1 survives
 * integer rounding (1% resolution). Capped so no weight passes 65535.
 */
export const WEIGHT_SCALE = 100;

/** Largest weight the model and both backends accept. */
const MAX_WEIGHT = 65535;

/**
 * The weight of a healthy, operator-enabled destination before factors:
 * `undefined` when its agent says `maint` (out of service, like `disable`),
 * 0 when it says `drain`, the agent's absolute weight when it gave one
 * (`misc_dynamic`), else the configured weight.
 */
export function agentBaseWeight(configured: number, status: DestinationStatus): number | undefined {
  const agent = status.agent;
  if (agent === undefined) return configured;
  if (agent.admin === 'maint') return undefined;
  if (agent.admin === 'drain') return 0;
  return agent.weight ?? configured;
}

/** The share factor of a destination: agent percent x slow-start ramp (1 = full). */
export function weightFactor(status: DestinationStatus): number {
  const percent = status.agent?.percent ?? 100;
  return (percent / 100) * (status.ramp ?? 1);
}

/**
 * Applies `factors` to `weights` (same length). When every factor is 1 the
 * weights come back unchanged (same array). Otherwise every weight of the
 * service is multiplied by a common scale S (`WEIGHT_SCALE`, less when the
 * largest weight would pass 65535) and by its factor, then rounded: the
 * ratios between destinations are kept to 1% of the smallest weight. A
 * weight stays 0 only when it was 0 (drain) or its factor is 0 (`0%`); any
 * other result is at least 1.
 */
export function scaleWeights(
  weights: readonly number[],
  factors: readonly number[],
): readonly number[] {
  if (factors.every((f) => f === 1)) return weights;
  const largest = weights.reduce((max, w, i) => Math.max(max, w * Math.max(1, factors[i] ?? 1)), 1);
  const scale = Math.max(1, Math.min(WEIGHT_SCALE, Math.floor(MAX_WEIGHT / largest)));
  return weights.map((w, i) => {
    const f = factors[i] ?? 1;
    if (w === 0 || !(f > 0)) return 0;
    return Math.min(MAX_WEIGHT, Math.max(1, Math.round(w * f * scale)));
  });
}
