/**
 * `nft-lb --render`: the exact nft script the daemon applies for the rules
 * file when every destination is healthy (one atomic transaction that
 * replaces the table). Needs no root and touches nothing.
 */
import { renderRuleset } from '@lbkit/backend-nftables';
import {
  type ConfigIssue,
  countConfigIssues,
  formatConfigIssues,
  plan,
  type Service,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { nftablesOptionsOf } from './backend-options.js';
import type { NftLbOptions } from './cli-args.js';

/** The script for `services` with every destination up. */
export function renderForRules(
  services: readonly Service[],
  options: NftLbOptions,
): Result<string, string> {
  const desired = plan(services, () => ({ health: 'up', admin: 'enabled' }));
  const script = renderRuleset(desired, nftablesOptionsOf(options));
  if (script.isErr()) return err(`cannot render (${script.error.kind}): ${script.error.message}`);
  return ok(
    `# nft-lb --render: ${options.rules}, every destination up; apply with: nft -f FILE\n${script.value}`,
  );
}

/** Summary line of `--check`. */
export function checkSummary(services: readonly Service[], file: string): string {
  const destinations = services.reduce((n, s) => n + s.destinations.length, 0);
  return `${file}: OK, ${services.length} service(s), ${destinations} destination(s)`;
}

/**
 * Problems of the flags that only the nftables backend can judge (the table
 * name, through the backend's own validation); `undefined` when fine.
 */
export function backendOptionsProblem(options: NftLbOptions): string | undefined {
  // Rendering an empty state checks exactly the options (renderRuleset validates them first).
  const resolved = renderRuleset({ services: [] }, nftablesOptionsOf(options));
  return resolved.isErr() ? resolved.error.message : undefined;
}

/** The hint for an `incomplete` issue: the flag that accepts such a file. */
export const SHRINK_HINT =
  'the file looks empty or cut short; --allow-shrink accepts it if it is meant';

/**
 * Output for a failed load: at most `max` issues (`file:line: field:
 * message`), `and N more problems`, a hint for an empty or cut-short file,
 * then `tail` with the count.
 */
export function failureLines(
  issues: readonly ConfigIssue[],
  tail: (count: number) => string,
  max?: number,
): string[] {
  const lines = formatConfigIssues(issues, max);
  if (issues.some((i) => i.kind === 'incomplete')) lines.push(SHRINK_HINT);
  lines.push(tail(countConfigIssues(issues)));
  return lines;
}

/** `--check` output for a failed load. */
export function checkFailure(issues: readonly ConfigIssue[]): string[] {
  return failureLines(issues, (n) => `${n.toLocaleString('en-US')} problem(s); nothing applied`);
}
