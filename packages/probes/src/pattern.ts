import { err, ok, type Result } from 'neverthrow';

/** A configured expectation: an exact string, or a RegExp. */
export type Expectation = string | RegExp;

/** Tests observed text against an expectation. */
export type TextMatcher = (text: string) => boolean;

/** A bad expectation in probe options. */
export interface PatternError {
  readonly kind: 'invalid-pattern';
  readonly message: string;
}

const REGEX_LITERAL = /^\/(.*)\/([a-z]*)$/s;

/**
 * Parses an expectation written as text (as in `ProbeSpec`): `/source/flags` is a
 * RegExp, anything else an exact string. Flags `g` and `y` are refused (they make
 * `test()` stateful); an empty `//` is refused.
 */
export function parseExpectation(text: string): Result<Expectation, PatternError> {
  const literal = REGEX_LITERAL.exec(text);
  if (!literal) return ok(text);
  const [, source = '', flags = ''] = literal;
  if (source === '')
    return err({ kind: 'invalid-pattern', message: `empty regular expression ${text}` });
  return toRegExp(source, flags, text);
}

/**
 * Builds a matcher: strings compare exactly, RegExps with `test()` (a copy of a
 * RegExp carrying `g` or `y` is made without them, so matching is stateless).
 */
export function compileMatcher(expectation: Expectation): Result<TextMatcher, PatternError> {
  if (typeof expectation === 'string') return ok((text) => text === expectation);
  const flags = expectation.flags.replace(/[gy]/g, '');
  const re = flags === expectation.flags ? expectation : new RegExp(expectation.source, flags);
  return ok((text) => re.test(text));
}

/** Parses `/source/flags` or exact text, then compiles it (see {@link parseExpectation}). */
export function matcherFromText(text: string): Result<TextMatcher, PatternError> {
  return parseExpectation(text).andThen(compileMatcher);
}

function toRegExp(source: string, flags: string, text: string): Result<RegExp, PatternError> {
  if (/[gy]/.test(flags)) {
    return err({ kind: 'invalid-pattern', message: `flags g and y are not allowed in ${text}` });
  }
  try {
    return ok(new RegExp(source, flags));
  } catch (error) {
    return err({
      kind: 'invalid-pattern',
      message: `bad regular expression ${text}: ${(error as Error).message}`,
    });
  }
}
