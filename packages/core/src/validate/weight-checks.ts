/**
 * Checks of the dynamic-weight settings against the scheduler: `slowStart`
 * ramps weights, so it is refused with a scheduler that ignores weights
 * (`rr`, `lc`) — a ramp that cannot happen would be a silent lie. Reads the
 * raw input (after defaults), like `cross-checks.ts`.
 */
import { configIssue, type SourceMap } from './issue.js';
import type { IssueList } from './issue-list.js';
import { messageAt } from './zod-issues.js';

/** Schedulers that never look at weights, on either backend. */
export const UNWEIGHTED_SCHEDULERS: ReadonlySet<string> = new Set(['rr', 'lc']);

/** One issue per service whose `slowStart` > 0 meets an unweighted scheduler. */
export function checkWeightSettings(
  out: IssueList,
  root: unknown,
  services: readonly unknown[],
  sources?: SourceMap,
): void {
  for (const [i, item] of services.entries()) {
    if (typeof item !== 'object' || item === null) continue;
    const service = item as Record<string, unknown>;
    const slowStart = service['slowStart'];
    const scheduler = service['scheduler'];
    if (typeof slowStart !== 'number' || !(slowStart > 0)) continue;
    if (typeof scheduler !== 'string' || !UNWEIGHTED_SCHEDULERS.has(scheduler)) continue;
    const path = ['services', i, 'slowStart'];
    const tail = `needs a weighted scheduler (wrr, wlc, random, sh, mh): "${scheduler}" ignores weights, so nothing would ramp`;
    out.add(configIssue('invalid', messageAt(root, path, tail), path, sources));
  }
}
