import type { HeaderMatch } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { compileMatcher, type PatternError, parseExpectation } from './pattern.js';

/** A response header rule, compiled once per probe. */
export interface CompiledHeaderMatch {
  /** Lower-case header name. */
  readonly name: string;
  /** Human form of the rule, for messages (`x-trace prefix "web-"`). */
  readonly rule: string;
  readonly test: (value: string) => boolean;
}

/** Header rule with RegExp objects allowed (the spec form takes `/source/flags` text). */
export interface HeaderMatchOptions extends Omit<HeaderMatch, 'matches'> {
  readonly matches?: string | RegExp;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Compiles a header rule (HAProxy's `http-check expect hdr name ... value ...`).
 * At most one of `equals`, `prefix`, `contains`, `matches` may be set; with none,
 * the header only has to be present. Values compare case-sensitively; names do not.
 */
export function compileHeaderMatch(
  match: HeaderMatchOptions,
): Result<CompiledHeaderMatch, PatternError> {
  if (typeof match.name !== 'string' || !TOKEN.test(match.name)) {
    return err({
      kind: 'invalid-pattern',
      message: `bad header name ${JSON.stringify(match.name)}`,
    });
  }
  const name = match.name.toLowerCase();
  const rules = [match.equals, match.prefix, match.contains, match.matches].filter(
    (r) => r !== undefined,
  );
  if (rules.length > 1) {
    return err({
      kind: 'invalid-pattern',
      message: `header ${name}: set at most one of equals, prefix, contains, matches`,
    });
  }
  const { equals, prefix, contains, matches } = match;
  if (equals !== undefined) {
    return ok({
      name,
      rule: `${name} equals ${JSON.stringify(equals)}`,
      test: (v) => v === equals,
    });
  }
  if (prefix !== undefined) {
    return ok({
      name,
      rule: `${name} prefix ${JSON.stringify(prefix)}`,
      test: (v) => v.startsWith(prefix),
    });
  }
  if (contains !== undefined) {
    return ok({
      name,
      rule: `${name} contains ${JSON.stringify(contains)}`,
      test: (v) => v.includes(contains),
    });
  }
  if (matches !== undefined) {
    const expectation = typeof matches === 'string' ? parseExpectation(matches) : ok(matches);
    return expectation
      .andThen((e) =>
        typeof e === 'string'
          ? err<RegExp, PatternError>({
              kind: 'invalid-pattern',
              message: `header ${name}: matches must be written /source/flags`,
            })
          : ok(e),
      )
      .andThen((re) =>
        compileMatcher(re).map((test) => ({ name, rule: `${name} matches ${re}`, test })),
      );
  }
  return ok({ name, rule: `${name} present`, test: () => true });
}
