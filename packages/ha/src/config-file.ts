/**
 * HA options from a file (YAML or JSON, e.g. `nft-lb --ha /etc/lbkit/ha.yaml`):
 * every problem with `file:line`, like the service config.
 * @module
 */
import { readFile, stat } from 'node:fs/promises';
import { type ConfigIssue, configIssue, parseYamlSource } from '@lbkit/core';
import { err, type Result, ResultAsync } from 'neverthrow';
import type { HaConfig } from './options.js';
import { validateHaOptions } from './validate.js';

/** Largest HA file read (a few lines are expected). */
export const MAX_HA_FILE_BYTES = 1024 * 1024;

/**
 * Parses and validates HA options from YAML/JSON `text`; `file` goes into
 * every issue. Never throws.
 */
export function parseHaConfig(
  text: string,
  options: { readonly file?: string } = {},
): Result<HaConfig, readonly ConfigIssue[]> {
  const parsed = parseYamlSource(text, options.file);
  if (parsed.isErr()) return err(parsed.error);
  const { value, sources } = parsed.value;
  if (value === null || value === undefined) {
    return err([
      configIssue('invalid', 'HA options are empty: expected priority and service', [], sources),
    ]);
  }
  return validateHaOptions(value, sources);
}

/** Reads and validates an HA options file; I/O problems are `io` issues. Never rejects. */
export function loadHaConfigFile(path: string): ResultAsync<HaConfig, readonly ConfigIssue[]> {
  const read = async (): Promise<string> => {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_HA_FILE_BYTES) {
      throw new Error(`file is ${info.size} bytes, more than the limit of ${MAX_HA_FILE_BYTES}`);
    }
    return readFile(path, 'utf8');
  };
  return ResultAsync.fromPromise(read(), (error): readonly ConfigIssue[] => [
    configIssue('io', `cannot read HA options: ${(error as Error).message}`, [], {
      file: path,
      lineOf: () => undefined,
    }),
  ]).andThen((text) => parseHaConfig(text, { file: path }));
}
