/**
 * Config problems as data. Validation and the config loaders never throw: they
 * collect every problem into `ConfigIssue`s, each with a path into the input
 * and, when the input came from a file, the file and line.
 */

/**
 * What kind of problem:
 * - `invalid` a value breaks a rule (bad name, address, range, unknown field),
 * - `duplicate` two things share what must be unique (name, key, address:port),
 * - `syntax` the text cannot be parsed (bad YAML/JSON, wrong field count),
 * - `io` the file could not be read.
 */
export type ConfigIssueKind = 'invalid' | 'duplicate' | 'syntax' | 'io';

/** One config problem. `message` is for humans; `path` and `line` for tools. */
export interface ConfigIssue {
  readonly kind: ConfigIssueKind;
  /** Human text, e.g. `service "web": destination "a": address "1.2.3" is not an IPv4 or IPv6 address`. */
  readonly message: string;
  /** Where in the input: `services[1].destinations[0].address`; `''` for the whole input. */
  readonly path: string;
  /** Source file, when the input came from one. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
}

/** A path into the input as segments: `['services', 1, 'destinations', 0, 'address']`. */
export type SourcePath = readonly (string | number)[];

/**
 * Tells validation where a path of its input came from, so every issue can
 * carry `file:line`. The loaders build one from the parsed text.
 */
export interface SourceMap {
  /** File name put into every issue. */
  readonly file?: string;
  /** 1-based line of the value at `path` (or of its nearest ancestor), if known. */
  lineOf(path: SourcePath): number | undefined;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a path: `services[1].destinations[0].address`; odd keys as `["a b"]`. */
export function formatPath(path: SourcePath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Builds an issue, resolving `file`/`line` through `sources` when given. */
export function configIssue(
  kind: ConfigIssueKind,
  message: string,
  path: SourcePath,
  sources?: SourceMap,
): ConfigIssue {
  const line = sources?.lineOf(path);
  return {
    kind,
    message,
    path: formatPath(path),
    ...(sources?.file !== undefined ? { file: sources.file } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}

/**
 * `file:line: message` (or `file: message`, or just `message`) — the form
 * editors and CI logs link to.
 */
export function formatConfigIssue(issue: ConfigIssue): string {
  if (issue.file === undefined) {
    return issue.line === undefined ? issue.message : `line ${issue.line}: ${issue.message}`;
  }
  return issue.line === undefined
    ? `${issue.file}: ${issue.message}`
    : `${issue.file}:${issue.line}: ${issue.message}`;
}

const MAX_SHOWN = 64;

/**
 * Shows a user value inside a message safely: strings are JSON-quoted (control
 * characters escaped) and cut at 64 characters; other values by type.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    const cut = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(cut);
  }
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}
