/**
 * `--check` of the config-driven daemons (dns-cluster, http-cluster): loads
 * and validates the file the way the daemon would (with the backend's
 * forwarding methods, so nftables refuses `forward: route` at its line),
 * touches no kernel state, and on IPVS reads the namespace's addresses once to
 * say which VIPs are not local (IPVS would balance nothing for them). Exit 0
 * when the file is good (warnings included), 1 when it is not.
 */
import { checkVipsLocal } from '@lbkit/backend-ipvs';
import {
  countConfigIssues,
  type ForwardingSupport,
  formatConfigIssues,
  loadConfigFile,
} from '@lbkit/core';
import type { BackendKind } from './backend.js';

/** What to check. */
export interface CheckConfigOptions {
  readonly config: string;
  readonly backend: BackendKind;
  /** Accept a config without services (the daemon's `--allow-shrink`). */
  readonly allowShrink?: boolean;
  /** The IPVS `--hold-vips` interface: the VIPs will be held there, so local. */
  readonly holdVips?: string;
  /** Namespace for the VIP check (tests). Default: the current one. */
  readonly netns?: string;
  readonly info: (line: string) => void;
  readonly warn: (line: string) => void;
}

/** What the backend can forward with: nftables only DNATs. */
export const forwardingOf = (backend: BackendKind): ForwardingSupport | undefined =>
  backend === 'nftables' ? { methods: ['nat'], backend: 'nftables' } : undefined;

/** Checks the file; resolves with the exit code. */
export async function checkConfig(options: CheckConfigOptions): Promise<number> {
  if (options.backend === 'nftables' && options.holdVips !== undefined) {
    options.warn('--hold-vips is for IPVS (nftables DNATs a VIP that is only routed here)');
    return 1;
  }
  const forwarding = forwardingOf(options.backend);
  const loaded = await loadConfigFile(options.config, {
    allowIncomplete: options.allowShrink === true,
    ...(forwarding && { forwarding }),
  });
  if (loaded.isErr()) {
    for (const line of formatConfigIssues(loaded.error)) options.warn(line);
    const count = countConfigIssues(loaded.error).toLocaleString('en-US');
    options.warn(`${options.config}: ${count} problem(s)`);
    return 1;
  }
  const services = loaded.value;
  if (options.backend === 'ipvs' && options.holdVips === undefined) {
    const warnings = checkVipsLocal(services, options.netns ? { netns: options.netns } : {});
    for (const line of warnings) options.warn(`warning: ${line}`);
  }
  const held = options.holdVips === undefined ? '' : `, VIPs held on ${options.holdVips}`;
  options.info(
    `${options.config}: OK, ${services.length} service(s) for ${options.backend}${held}`,
  );
  return 0;
}
