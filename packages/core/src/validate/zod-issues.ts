/**
 * Turns zod issues into `ConfigIssue`s with human context:
 * `service "web": destination "a": port must be an integer 1..65535, got 0`.
 */
import type { z } from 'zod';
import {
  type ConfigIssue,
  configIssue,
  formatPath,
  type SourceMap,
  type SourcePath,
} from './issue.js';
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

const CONTEXTS: Readonly<Record<string, string>> = {
  services: 'service',
  destinations: 'destination',
};

/**
 * Splits a path into a context prefix and a label:
 * `['services', 1, 'destinations', 0, 'port']` ->
 * `service "web": destination "a": ` + `port`. An object without a valid
 * name is named by its path (`services[1]`).
 */
export function describePath(root: unknown, path: SourcePath): { context: string; label: string } {
  let context = '';
  let start = 0;
  for (let i = 0; i + 1 < path.length; i++) {
    const noun = CONTEXTS[String(path[i])];
    if (noun === undefined || typeof path[i + 1] !== 'number') continue;
    const here = path.slice(0, i + 2);
    if (i + 2 === path.length) break;
    const name = nameAt(root, here);
    context += name === undefined ? `${formatPath(path.slice(i, i + 2))}: ` : `${noun} "${name}": `;
    start = i + 2;
    i++;
  }
  const label = formatPath(path.slice(start));
  return { context, label: label === '' ? 'value' : label };
}

/** A message for a path inside `root`: context, label, then the tail. */
export const messageAt = (root: unknown, path: SourcePath, tail: string): string => {
  const { context, label } = describePath(root, path);
  return `${context}${label} ${tail}`;
};

const toPath = (path: readonly PropertyKey[]): (string | number)[] =>
  path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));

/**
 * Maps zod issues for `input` (found at `base` inside `root`) to config issues.
 * One issue per path (zod may report two checks of one value); unknown keys
 * become one issue each, pointing at the key.
 */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  base: SourcePath,
  sources?: SourceMap,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (path: SourcePath, message: string): void => {
    const key = formatPath(path);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(configIssue('invalid', message, path, sources));
  };
  for (const issue of issues) {
    const path = [...base, ...toPath(issue.path)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const { context, label } = describePath(root, [...path, key]);
        push([...path, key], `${context}unknown field ${label}`);
      }
    } else {
      push(path, messageAt(root, path, issue.message));
    }
  }
  return out;
}
