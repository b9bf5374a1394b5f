/**
 * `loadConfigFile`: reads a config file and picks its loader by extension
 * (`.json`, `.yaml`, `.yml` structured; anything else the rules format).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ResultAsync } from 'neverthrow';
import type { Service } from '../model.js';
import type { ServiceDefaults } from '../validate/input.js';
import { type ConfigIssue, configIssue } from '../validate/issue.js';
import { parseConfig } from './json-config.js';
import { parseRulesFile } from './rules-file.js';

/** Which loader reads a file. */
export type ConfigFormat = 'structured' | 'rules';

/** Options of `loadConfigFile`. */
export interface LoadConfigOptions {
  /** Settings applied to every service (under a structured file's own `defaults`). Default none. */
  readonly defaults?: ServiceDefaults;
  /** Force a loader. Default: by extension (`.json`/`.yaml`/`.yml` structured, else rules). */
  readonly format?: ConfigFormat;
  /** Refuse larger files (an `io` issue). Default 16 MiB. */
  readonly maxBytes?: number;
}

/** Default `maxBytes`: 16 MiB. */
export const DEFAULT_MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The loader for a file name, by extension (case-insensitive). */
export const formatOf = (path: string): ConfigFormat =>
  ['.json', '.yaml', '.yml'].includes(extname(path).toLowerCase()) ? 'structured' : 'rules';

const ioIssue = (path: string, error: unknown): ConfigIssue => {
  const reason = error instanceof Error ? error.message : String(error);
  return configIssue('io', `cannot read config: ${reason}`, [], {
    file: path,
    lineOf: () => undefined,
  });
};

/**
 * Reads and validates a config file. I/O problems (missing, a directory,
 * permission denied, too large) are `io` issues; everything else is what
 * `parseConfig` or `parseRulesFile` reports. Never rejects.
 */
export function loadConfigFile(
  path: string,
  options: LoadConfigOptions = {},
): ResultAsync<readonly Service[], readonly ConfigIssue[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  const read = async (): Promise<string> => {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > maxBytes)
      throw new Error(`file is ${info.size} bytes, more than the limit of ${maxBytes}`);
    return readFile(path, 'utf8');
  };
  return ResultAsync.fromPromise(read(), (error): readonly ConfigIssue[] => [
    ioIssue(path, error),
  ]).andThen((text) => {
    const defaults = options.defaults !== undefined ? { defaults: options.defaults } : {};
    return (options.format ?? formatOf(path)) === 'structured'
      ? parseConfig(text, { file: path, ...defaults })
      : parseRulesFile(text, { file: path, ...defaults });
  });
}
