/**
 * What the config loaders share: options read defensively (a JavaScript
 * caller may pass `null` or a number), and the `incomplete` issue of a file
 * that would remove every service.
 */
import { type ConfigIssue, configIssue } from '../validate/issue.js';

/**
 * `options` as an object whatever it is at run time: `null`, `undefined` or a
 * non-object become `{}`; a `file` that is not a string is dropped.
 */
export function optionsOf<T extends { readonly file?: string }>(options: T | null | undefined): T {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return {} as T;
  if (options.file === undefined || typeof options.file === 'string') return options;
  const { file: _dropped, ...rest } = options;
  return rest as T;
}

/**
 * The issue of a file that looks empty or cut short (kind `incomplete`):
 * applying it would remove services, so it needs an explicit allow.
 */
export function incompleteIssue(
  reason: string,
  file: string | undefined,
  line?: number,
): ConfigIssue {
  return configIssue(
    'incomplete',
    `${reason}; applying it would remove services, so it is refused unless explicitly allowed`,
    [],
    { ...(file !== undefined ? { file } : {}), lineOf: () => line },
  );
}
