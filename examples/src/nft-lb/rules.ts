/**
 * Reads the vendor's rules file with the daemon's flags as service defaults.
 */
import { readFile } from 'node:fs/promises';
import { type ConfigIssue, parseRulesFile, type Service } from '@lbkit/core';
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { NftLbOptions } from './cli-args.js';

/** Reads and validates `options.rules`; every problem with its `file:line`. */
export function loadRules(
  options: NftLbOptions,
): ResultAsync<readonly Service[], readonly ConfigIssue[]> {
  return ResultAsync.fromPromise(readFile(options.rules, 'utf8'), (error) => [
    {
      kind: 'io' as const,
      message: `cannot read the rules file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      path: '',
      file: options.rules,
    },
  ]).andThen((text) => {
    const parsed = parseRulesFile(text, {
      file: options.rules,
      defaults: {
        protocol: 'tcp',
        probe: { kind: 'tcp' },
        scheduler: options.scheduler,
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
      },
    });
    return parsed.isOk() ? okAsync(parsed.value) : errAsync(parsed.error);
  });
}
