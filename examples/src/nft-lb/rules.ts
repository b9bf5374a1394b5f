/**
 * Reads the vendor's rules file with the daemon's flags as service defaults,
 * through `loadConfigFile` (a regular file of at most 16 MiB, opened so that
 * a FIFO cannot hang it; an empty or cut-short file only with `--allow-shrink`).
 */
import {
  type ConfigIssue,
  defaultScheduler,
  loadConfigFile,
  type Service,
  type ServiceDefaults,
} from '@lbkit/core';
import type { ResultAsync } from 'neverthrow';
import type { NftLbOptions } from './cli-args.js';

/** The service defaults `nft-lb`'s flags stand for. */
export function rulesDefaults(options: NftLbOptions): ServiceDefaults {
  return {
    protocol: 'tcp',
    probe: { kind: 'tcp' },
    ...(options.scheduler !== undefined && { scheduler: options.scheduler }),
    whenEmpty: options.whenEmpty,
    health: {
      interval: options.interval,
      fastInterval: Math.min(options.interval, 500),
      downInterval: options.interval,
      timeout: options.timeout,
      rise: options.rise,
      fall: options.fall,
      jitter: options.interval,
      initial: 'unknown',
    },
  };
}

/** Reads and validates `options.rules`; every problem with its `file:line`. */
export function loadRules(
  options: NftLbOptions,
): ResultAsync<readonly Service[], readonly ConfigIssue[]> {
  return loadConfigFile(options.rules, {
    format: 'rules',
    allowIncomplete: options.allowShrink,
    defaults: rulesDefaults(options),
  });
}

/**
 * One warning per service whose scheduler ignores its weights (`rr` given
 * with `--scheduler` while the lines give different weights).
 */
export function ignoredWeights(services: readonly Service[]): string[] {
  const out: string[] = [];
  for (const s of services) {
    if (s.scheduler !== 'rr' || defaultScheduler(s.destinations) === 'rr') continue;
    const weights = [...new Set(s.destinations.map((d) => d.weight))].sort((a, b) => a - b);
    out.push(
      `service ${s.name}: weights ${weights.join(', ')} are ignored under --scheduler rr (wrr, random, sh and mh honour them)`,
    );
  }
  return out;
}
