/**
 * Text from the outside (a DNS TXT record, an HTTP header, a TCP banner, an
 * error message) made safe for events and log lines: control, format and
 * line-separator characters escaped, length capped. A TXT record holding
 * `\n<0>` then forges no priority-0 journald line, ESC sequences reach no
 * terminal, and a 64 KB record gives no 64 KB reason.
 */

/** Longest identity (TXT text, header value, banner) a check result keeps: 256 characters. */
export const MAX_IDENTITY_CHARS = 256;

/** Longest probe error message a check result keeps: 512 characters. */
export const MAX_MESSAGE_CHARS = 512;

/** C0/C1 controls and DEL, format characters (bidi overrides, zero-width), surrogates, line/paragraph separators. */
const UNSAFE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]$/u;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const short = SHORT[ch];
  if (short !== undefined) return short;
  const code = ch.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every unsafe character escaped (`\n`, `\u001b`, `\u202e`) and
 * cut to at most `max` characters (ending in `…` when cut, never inside an
 * escape or a surrogate pair). Idempotent; backslashes are left as they are.
 * Non-strings are converted with `String`. Work is bounded by `max`, not by
 * the length of `text`.
 */
export function safeText(text: unknown, max: number): string {
  const value = typeof text === 'string' ? text : String(text);
  let out = '';
  let cut = 0;
  for (const ch of value) {
    const piece = UNSAFE.test(ch) ? escapeChar(ch) : ch;
    if (out.length + piece.length > max) return `${out.slice(0, cut)}…`;
    out += piece;
    if (out.length <= max - 1) cut = out.length;
  }
  return out;
}
