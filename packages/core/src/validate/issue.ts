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
 * - `io` the file could not be read,
 * - `incomplete` the file looks empty or cut short (no services, or a last
 *   line without its line end) and was not explicitly allowed,
 * - `more` stands for `omitted` further problems that were counted but not
 *   kept (a list holds at most `MAX_CONFIG_ISSUES`; always the last entry).
 */
export type ConfigIssueKind = 'invalid' | 'duplicate' | 'syntax' | 'io' | 'incomplete' | 'more';

/**
 * One config problem. `field` and `message` are for humans (`formatConfigIssue`
 * prints `file:line: field: message`); `path` is for tools and never printed.
 */
export interface ConfigIssue {
  readonly kind: ConfigIssueKind;
  /**
   * The field as the operator writes it: `port`, `probe.header.name`, and in
   * the rules format its column (`svc`, `vip`, `port`, `node`, `ip`,
   * `weight`). Absent for a problem of a whole line or file.
   */
  readonly field?: string;
  /**
   * Human text without file, line and field, naming the service and
   * destination when they have valid names, e.g.
   * `"1.2.3" is not an IPv4 or IPv6 address (service "web", destination "a")`.
   */
  readonly message: string;
  /** Where in the input: `services[1].destinations[0].address`; `''` for the whole input. */
  readonly path: string;
  /** Source file, when the input came from one. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
  /** Kind `more` only: how many problems it stands for. */
  readonly omitted?: number;
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
  /** The operator's name of the field at `path` (e.g. a rules-format column). Default: `fieldOf`. */
  fieldOf?(path: SourcePath): string | undefined;
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

const isIndexed = (path: SourcePath, i: number): boolean =>
  (path[i] === 'services' || path[i] === 'destinations') && typeof path[i + 1] === 'number';

/**
 * The field a path names, as written inside its service or destination:
 * `['services', 1, 'destinations', 0, 'port']` -> `port`,
 * `['services', 0, 'probe', 'header', 'name']` -> `probe.header.name`,
 * `['defaults', 'scheduler']` -> `defaults.scheduler`; `undefined` for a
 * whole service, destination or input.
 */
export function fieldOf(path: SourcePath): string | undefined {
  let start = 0;
  for (let i = 0; i + 1 < path.length; i++) if (isIndexed(path, i)) start = i + 2;
  const field = formatPath(path.slice(start));
  return field === '' ? undefined : field;
}

/** Builds an issue, resolving `file`/`line`/`field` through `sources` when given. */
export function configIssue(
  kind: ConfigIssueKind,
  message: string,
  path: SourcePath,
  sources?: SourceMap,
): ConfigIssue {
  const line = sources?.lineOf(path);
  const field = sources?.fieldOf !== undefined ? sources.fieldOf(path) : fieldOf(path);
  return {
    kind,
    ...(field !== undefined ? { field } : {}),
    message,
    path: formatPath(path),
    ...(sources?.file !== undefined ? { file: sources.file } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}

/**
 * `file:line: field: message`, leaving out what is unknown (`file: message`,
 * `line 3: port: message`, `port: message`) — the form editors and CI logs
 * link to. Never shows the internal `path`.
 */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where =
    issue.file === undefined
      ? issue.line === undefined
        ? ''
        : `line ${issue.line}: `
      : issue.line === undefined
        ? `${issue.file}: `
        : `${issue.file}:${issue.line}: `;
  return `${where}${issue.field !== undefined ? `${issue.field}: ` : ''}${issue.message}`;
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
