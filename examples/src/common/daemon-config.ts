/**
 * How the config-driven daemons (dns-cluster, http-cluster) read their file:
 * with the backend's forwarding methods (nftables refuses `forward: route` at
 * its line), and how they report a bad one. Shared by the daemon (start,
 * SIGHUP) and its `--check`.
 */
import {
  type ConfigIssue,
  countConfigIssues,
  type ForwardingSupport,
  formatConfigIssues,
  loadConfigFile,
} from '@lbkit/core';
import type { BackendKind } from './backend.js';

/** What the backend can forward with: nftables only DNATs. */
export const forwardingOf = (backend: BackendKind): ForwardingSupport | undefined =>
  backend === 'nftables' ? { methods: ['nat'], backend: 'nftables' } : undefined;

/** Loads `config` for `backend`; `allowShrink` accepts a file without services. */
export function loadDaemonConfig(config: string, backend: BackendKind, allowShrink: boolean) {
  const forwarding = forwardingOf(backend);
  return loadConfigFile(config, {
    allowIncomplete: allowShrink,
    ...(forwarding && { forwarding }),
  });
}

/** Every issue of `config` (capped), then one count line ending in `outcome` when given. */
export function reportConfigIssues(
  config: string,
  issues: readonly ConfigIssue[],
  warn: (line: string) => void,
  outcome?: string,
): void {
  for (const line of formatConfigIssues(issues)) warn(line);
  const count = countConfigIssues(issues).toLocaleString('en-US');
  warn(`${config}: ${count} problem(s)${outcome === undefined ? '' : `; ${outcome}`}`);
}
