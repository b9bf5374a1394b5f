/**
 * `nft-lb --render`: the exact nft script the daemon applies for the rules
 * file when every destination is healthy (one atomic transaction that
 * replaces the table). Needs no root and touches nothing.
 */
import { renderRuleset } from '@lbkit/backend-nftables';
import { type ConfigIssue, plan, type Service } from '@lbkit/core';
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

/** `--check` output for a failed load: one line per issue plus a count. */
export function checkFailure(
  issues: readonly ConfigIssue[],
  format: (i: ConfigIssue) => string,
): string[] {
  return [...issues.map(format), `${issues.length} problem(s); nothing applied`];
}
