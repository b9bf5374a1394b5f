/**
 * Turns zod issues into `ConfigIssue`s with human context: field `port`,
 * message `must be an integer 1..65535, got 0 (service "web", destination "a")`.
 */
import type { z } from 'zod';
import { configIssue, formatPath, type SourceMap, type SourcePath } from './issue.js';
import type { IssueList } from './issue-list.js';
import { isValidName } from './names.js';

/** A readable name for the object at `path` inside `root`, e.g. `service "web"`. */
function nameAt(root: unknown, path: SourcePath): string | undefined {
  let node: unknown = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  if (typeof node !== 'object' || node === null) return undefined;
  const name = (node as { name?: unknown }).name;
  return typeof name === 'string' && isValidName(name) ? name : undefined;
}

const NOUNS: Readonly<Record<string, string>> = {
  services: 'service',
  destinations: 'destination',
};

/**
 * The services and destinations a path goes through, by their valid names:
 * `['services', 1, 'destinations', 0, 'port']` -> `service "web", destination "a"`.
 * Objects without a valid name are left out (the issue's line says where
 * they are); `''` when none has one.
 */
export function contextOf(root: unknown, path: SourcePath): string {
  const names: string[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const noun = NOUNS[String(path[i])];
    if (noun === undefined || typeof path[i + 1] !== 'number') continue;
    const name = nameAt(root, path.slice(0, i + 2));
    if (name !== undefined) names.push(`${noun} "${name}"`);
    i++;
  }
  return names.join(', ');
}

/** A message for a path inside `root`: the tail, then its context in parentheses. */
export const messageAt = (root: unknown, path: SourcePath, tail: string): string => {
  const context = contextOf(root, path);
  return context === '' ? tail : `${tail} (${context})`;
};

const toPath = (path: readonly PropertyKey[]): (string | number)[] =>
  path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));

/**
 * Adds the config issues for zod issues of `input` (found at `base` inside
 * `root`) to `out`. One issue per path (zod may report two checks of one
 * value); unknown keys become one issue each, pointing at the key.
 */
export function addZodIssues(
  out: IssueList,
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  base: SourcePath,
  sources?: SourceMap,
): void {
  const seen = new Set<string>();
  const push = (path: SourcePath, message: string): void => {
    const key = formatPath(path);
    if (seen.has(key)) return;
    seen.add(key);
    out.add(configIssue('invalid', messageAt(root, path, message), path, sources));
  };
  for (const issue of issues) {
    const path = [...base, ...toPath(issue.path)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) push([...path, key], 'unknown field');
    } else {
      push(path, issue.message);
    }
  }
}
