/**
 * `loadConfigFile`: reads a config file and picks its loader by extension
 * (`.json`, `.yaml`, `.yml` structured; anything else the rules format).
 */
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { errAsync, ResultAsync } from 'neverthrow';
import type { Service } from '../model.js';
import type { ServiceDefaults } from '../validate/input.js';
import { type ConfigIssue, configIssue } from '../validate/issue.js';
import { type ForwardingSupport, parseConfig } from './json-config.js';
import { incompleteIssue, optionsOf } from './loader-options.js';
import { parseRulesFile, splitLines } from './rules-file.js';

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
  /**
   * Accept a file that looks empty or cut short: no services at all, or a
   * last line without its line end (what a half-written file looks like;
   * not checked for `.json`, whose closing bracket shows the end). Default
   * false: such a file is an `incomplete` issue.
   */
  readonly allowIncomplete?: boolean;
  /** See `ConfigOptions.forwarding` (structured files; the rules file has no `forward`). */
  readonly forwarding?: ForwardingSupport;
}

/** Default `maxBytes`: 16 MiB. */
export const DEFAULT_MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** The loader for a file name, by extension (case-insensitive). */
export const formatOf = (path: string): ConfigFormat =>
  ['.json', '.yaml', '.yml'].includes(extname(path).toLowerCase()) ? 'structured' : 'rules';

/** `cannot read the file: ENOENT: no such file or directory` (without Node's `, open '<path>'`). */
const ioIssue = (path: string, error: unknown): ConfigIssue => {
  const reason = error instanceof Error ? error.message.replace(/, \w+ '.*'$/s, '') : String(error);
  return configIssue('io', `cannot read the file: ${reason}`, [], {
    file: path,
    lineOf: () => undefined,
  });
};

const typeOf = (info: Stats): string =>
  info.isDirectory()
    ? 'a directory'
    : info.isFIFO()
      ? 'a FIFO'
      : info.isCharacterDevice()
        ? 'a character device'
        : info.isBlockDevice()
          ? 'a block device'
          : info.isSocket()
            ? 'a socket'
            : 'an unknown file type';

/**
 * Reads a regular file of at most `maxBytes` as UTF-8. The file is opened
 * non-blocking (a FIFO with no writer cannot hang the open) and checked on the
 * open descriptor (no race between check and read): a FIFO, a device such as
 * `/dev/zero`, a directory or a socket is refused before any byte is read, and
 * at most `maxBytes + 1` bytes are ever read (a file that grows meanwhile is
 * refused too). Rejects with an `Error` whose message says why.
 */
export async function readConfigText(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${typeOf(info)}, not a regular file`);
    const tooLarge = (size: number) =>
      new Error(`the file is ${size} bytes, more than the limit of ${maxBytes}`);
    if (info.size > maxBytes) throw tooLarge(info.size);
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(65_536, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(length);
    }
    return Buffer.concat(chunks, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** True when the text's last line has content but no line end (a half-written file). */
function endsMidLine(text: string): { line: number } | undefined {
  if (text === '' || text.endsWith('\n') || text.endsWith('\r')) return undefined;
  const lines = splitLines(text);
  return lines.at(-1)?.trim() === '' ? undefined : { line: lines.length };
}

/**
 * Reads and validates a config file. I/O problems (missing, a directory, a
 * FIFO or device, permission denied, too large) are `io` issues; a file that
 * looks empty or cut short is `incomplete` unless `allowIncomplete`;
 * everything else is what `parseConfig` or `parseRulesFile` reports. Never
 * rejects, never throws.
 */
export function loadConfigFile(
  path: string,
  loadOptions?: LoadConfigOptions,
): ResultAsync<readonly Service[], readonly ConfigIssue[]> {
  const options = optionsOf<LoadConfigOptions & { file?: string }>(loadOptions);
  if (typeof path !== 'string' || path === '') {
    return errAsync([configIssue('io', 'the config path must be a non-empty string', [])]);
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  return ResultAsync.fromPromise(
    readConfigText(path, maxBytes),
    (error): readonly ConfigIssue[] => [ioIssue(path, error)],
  ).andThen((text) => {
    const allowEmpty = options.allowIncomplete === true;
    const cut =
      allowEmpty || extname(path).toLowerCase() === '.json' ? undefined : endsMidLine(text);
    if (cut !== undefined) {
      const reason = `line ${cut.line}, the last, has no line end: the file may be cut short (half-written)`;
      return errAsync([incompleteIssue(reason, path, cut.line)]);
    }
    const common = {
      file: path,
      allowEmpty,
      ...(options.defaults !== undefined ? { defaults: options.defaults } : {}),
    };
    return (options.format ?? formatOf(path)) === 'structured'
      ? parseConfig(text, {
          ...common,
          ...(options.forwarding !== undefined && { forwarding: options.forwarding }),
        })
      : parseRulesFile(text, common);
  });
}
