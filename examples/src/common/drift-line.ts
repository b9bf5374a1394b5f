/**
 * The log line of a balancer `drift` event: what the periodic check found in
 * the kernel (a flushed or deleted table, a dormant flag, a foreign rule...)
 * and whether it was repaired, or why the check failed.
 */
import type { BalancerEvents } from '@lbkit/core';

/** One line for a `drift` event. */
export function driftLine(e: BalancerEvents['drift']): string {
  if (e.error) return `drift check failed (${e.error.kind}): ${e.error.message}`;
  const what = e.found.join('; ');
  return e.repaired
    ? `drift: the kernel differed from what was applied (${what}); repaired in one transaction (${e.durationMs.toFixed(1)} ms)`
    : `drift: the kernel differs from what was applied (${what}); not repaired`;
}
