/**
 * `--check` of the config-driven daemons (dns-cluster, http-cluster): loads
 * and validates the file the way the daemon would (with the backend's
 * forwarding methods, so nftables refuses `forward: route` at its line),
 * touches no kernel state, and on IPVS reads the namespace's addresses once to
 * say which VIPs are not local (IPVS would balance nothing for them). Exit 0
 * when the file is good (warnings included), 1 when it is not.
 */
import { checkVipsLocal } from '@lbkit/backend-ipvs';
import { type BackendKind, holdVipsProblem } from './backend.js';
import { loadDaemonConfig, reportConfigIssues } from './daemon-config.js';

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

/** Checks the file; resolves with the exit code. */
export async function checkConfig(options: CheckConfigOptions): Promise<number> {
  const holdProblem = holdVipsProblem(options.backend, options.holdVips);
  if (holdProblem !== undefined) {
    options.warn(holdProblem);
    return 1;
  }
  const loaded = await loadDaemonConfig(
    options.config,
    options.backend,
    options.allowShrink === true,
  );
  if (loaded.isErr()) {
    reportConfigIssues(options.config, loaded.error, options.warn);
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
