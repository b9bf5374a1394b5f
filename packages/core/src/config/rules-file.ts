/**
 * The `nft_lb.py` rules format, line for line compatible:
 *
 * ```
 * # svc|vip|port|node|ip[|weight]
 * mail|192.0.2.25|25|mx1|198.51.100.11
 * mail|192.0.2.25|25|mx2|198.51.100.12|3   # weight 3
 * ```
 *
 * Lines with the same `svc` form one service. Additions over the vendor's
 * parser: `#` comments (whole-line and trailing), an optional 6th field
 * `weight`, CRLF (and lone CR, like Python's universal newlines), a leading
 * BOM, whitespace around each field. Any problem makes the whole load fail,
 * and so does a file without any service unless `allowEmpty` is set.
 */
import { err, ok, type Result } from 'neverthrow';
import { parseAddress } from '../address.js';
import type { Service } from '../model.js';
import type { DestinationInput, ServiceDefaults, ServiceInput } from '../validate/input.js';
import {
  type ConfigIssue,
  configIssue,
  fieldOf,
  type SourceMap,
  type SourcePath,
  showValue,
} from '../validate/issue.js';
import { IssueList } from '../validate/issue-list.js';
import {
  applyServiceDefaults,
  validateServiceDefaults,
  validateServices,
} from '../validate/validate-services.js';
import { incompleteIssue, optionsOf } from './loader-options.js';

/** Options of `parseRulesFile`. */
export interface RulesFileOptions {
  /** File name put into every issue (`file:line: message`). Default none. */
  readonly file?: string;
  /**
   * Settings applied to every service (the nft-lb daemon's flags), over the
   * format's own: protocol `tcp`, probe `{ kind: 'tcp' }`. Default none.
   */
  readonly defaults?: ServiceDefaults;
  /**
   * Accept text without any service (empty, blank or only comments). Default
   * false: such a file would remove every service, which is what a file
   * emptied or half-written at the wrong moment looks like (kind `incomplete`).
   */
  readonly allowEmpty?: boolean;
}

/** The format's fields, for messages. */
export const RULES_FIELDS = 'svc|vip|port|node|ip[|weight]';

interface Group {
  readonly index: number;
  readonly line: number;
  readonly vip: string;
  readonly port: string;
  readonly destinations: DestinationInput[];
  readonly lines: number[];
}

/** Decimal digits become a number (short enough to be exact); anything else stays text, so the message shows it. */
const numberField = (text: string): number | string =>
  /^[0-9]{1,6}$/.test(text) ? Number(text) : text;

/** The rules format's column for a path of the services it builds (`node` for a destination name). */
const SERVICE_COLUMNS: Readonly<Record<string, string>> = { name: 'svc', vip: 'vip', port: 'port' };
const DESTINATION_COLUMNS: Readonly<Record<string, string>> = {
  name: 'node',
  address: 'ip',
  weight: 'weight',
};

function columnOf(path: SourcePath): string | undefined {
  if (path[0] === 'services' && typeof path[1] === 'number') {
    if (path.length === 3) return SERVICE_COLUMNS[String(path[2])] ?? fieldOf(path);
    if (path[2] === 'destinations' && typeof path[3] === 'number' && path.length === 5)
      return DESTINATION_COLUMNS[String(path[4])] ?? fieldOf(path);
  }
  return fieldOf(path);
}

const canonicalVip = (text: string): string => parseAddress(text)?.canonical ?? text;

/** Splits text into lines like Python's universal newlines, dropping a leading BOM. */
export const splitLines = (text: string): string[] =>
  text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);

/** A line without its comment and surrounding whitespace (`''` = nothing to read). */
const contentOf = (line: string): string => {
  const hash = line.indexOf('#');
  return (hash < 0 ? line : line.slice(0, hash)).trim();
};

/**
 * Parses a rules file into validated services. Every issue names
 * `file:line`; any issue fails the whole load (never a partial load).
 * Never throws.
 */
export function parseRulesFile(
  text: string,
  options?: RulesFileOptions,
): Result<readonly Service[], readonly ConfigIssue[]> {
  const { file, ...rest } = optionsOf(options);
  const at = (line: number | undefined): SourceMap => ({
    ...(file !== undefined ? { file } : {}),
    lineOf: () => line,
  });
  const issues = new IssueList();
  if (typeof text !== 'string') {
    return err([
      configIssue(
        'syntax',
        `rules text must be a string, got ${showValue(text)}`,
        [],
        at(undefined),
      ),
    ]);
  }
  const groups = new Map<string, Group>();
  for (const [index, raw] of splitLines(text).entries()) {
    const line = index + 1;
    const content = contentOf(raw);
    if (content === '') continue;
    const fields = content.split('|').map((field) => field.trim());
    if (fields.length !== 5 && fields.length !== 6) {
      const message = `expected 5 or 6 fields ${RULES_FIELDS}, found ${fields.length}`;
      issues.add(configIssue('syntax', message, [], at(line)));
      continue;
    }
    const [svc = '', vip = '', port = '', node = '', ip = '', weight] = fields;
    let group = groups.get(svc);
    if (group === undefined) {
      group = { index: groups.size, line, vip, port, destinations: [], lines: [] };
      groups.set(svc, group);
    } else {
      const vipDiffers = canonicalVip(group.vip) !== canonicalVip(vip);
      if (vipDiffers || numberField(group.port) !== numberField(port)) {
        const message =
          `line ${line} has vip ${showValue(vip)} port ${showValue(port)}, ` +
          `but line ${group.line} has vip ${showValue(group.vip)} port ${showValue(group.port)}; ` +
          `lines of one service must agree, services are never merged (service ${showValue(svc)})`;
        const path = ['services', group.index, vipDiffers ? 'vip' : 'port'];
        issues.add(configIssue('duplicate', message, path, { ...at(line), fieldOf: columnOf }));
        continue;
      }
    }
    group.destinations.push({
      name: node,
      address: ip,
      ...(weight !== undefined ? { weight: numberField(weight) as number } : {}),
    });
    group.lines.push(line);
  }
  if (groups.size === 0 && issues.count === 0 && rest.allowEmpty !== true) {
    return err([
      incompleteIssue('the file has no service lines (it is empty or only comments)', file),
    ]);
  }
  return finish([...groups.entries()], issues, { ...rest, ...(file !== undefined && { file }) });
}

function finish(
  groups: readonly [string, Group][],
  issues: IssueList,
  options: RulesFileOptions,
): Result<readonly Service[], readonly ConfigIssue[]> {
  let defaults: ServiceDefaults = { protocol: 'tcp', probe: { kind: 'tcp' } };
  if (options.defaults !== undefined) {
    const checked = validateServiceDefaults(options.defaults);
    if (checked.isErr()) issues.addAll(checked.error);
    else defaults = { ...defaults, ...checked.value };
  }
  const inputs: ServiceInput[] = groups.map(([name, group]) =>
    applyServiceDefaults<ServiceInput>(defaults, {
      name,
      vip: group.vip,
      port: numberField(group.port) as number,
      destinations: group.destinations,
    }),
  );
  const sources: SourceMap = {
    ...(options.file !== undefined ? { file: options.file } : {}),
    lineOf: (path: SourcePath) => {
      if (path[0] !== 'services' || typeof path[1] !== 'number') return undefined;
      const group = groups[path[1]]?.[1];
      if (path[2] === 'destinations' && typeof path[3] === 'number') return group?.lines[path[3]];
      return group?.line;
    },
    fieldOf: columnOf,
  };
  const validated = validateServices(inputs, sources);
  if (validated.isErr()) issues.addAll(validated.error);
  if (issues.count > 0) return err(issues.toArray());
  return validated.isOk() ? ok(validated.value) : err(issues.toArray());
}
