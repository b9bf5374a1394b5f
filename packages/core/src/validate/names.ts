/**
 * Lexical rules for names and patterns in the config. Names are data: a name
 * that does not match is rejected, never escaped into kernel text.
 */

/** Service and destination names: a letter, then up to 31 letters, digits, `_` or `-`. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** True when `name` may be used as a service or destination name. */
export const isValidName = (name: string): boolean => NAME_PATTERN.test(name);

const DNS_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * True for a DNS name of LDH labels (underscore allowed, e.g. `_health`), each
 * 1..63 characters, total <= 253 without the optional trailing dot.
 */
export function isDnsName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  return bare.split('.').every((label) => DNS_LABEL.test(label));
}

/** RFC 9110 `token` (header field names). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when `name` is a valid HTTP header field name. */
export const isHeaderToken = (name: string): boolean => name.length <= 256 && TOKEN.test(name);

const PATTERN_FORM = /^\/(.+)\/([A-Za-z]*)$/s;

/** A `/source/flags` text split into its parts, or the reason it cannot compile. */
export type MatchPattern =
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'regex'; readonly regex: RegExp }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Reads a match text used by probes (`expect`, `matches`): `/source/flags`
 * is a RegExp (flags `g` and `y` are refused: they make `test()` stateful);
 * anything else is exact text.
 */
export function parseMatchPattern(text: string): MatchPattern {
  const form = PATTERN_FORM.exec(text);
  if (!form) return { kind: 'exact', text };
  const [, source = '', flags = ''] = form;
  if (/[gy]/.test(flags)) {
    return {
      kind: 'error',
      message: `flags "g" and "y" are not allowed (they make matching stateful)`,
    };
  }
  try {
    return { kind: 'regex', regex: new RegExp(source, flags) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: 'error', message: `is not a valid regular expression: ${reason}` };
  }
}

/** True for text that is safe as a single HTTP request-target or header value token. */
export const isVisibleAscii = (text: string): boolean => /^[\x21-\x7e]+$/.test(text);
