import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMatcher, matcherFromText, parseExpectation } from './pattern.js';

describe('expectations', () => {
  it('treats plain text as an exact string', () => {
    const m = matcherFromText('=nameserver-1=')._unsafeUnwrap();
    expect(m('=nameserver-1=')).toBe(true);
    expect(m('=nameserver-10=')).toBe(false);
    expect(m('x=nameserver-1=')).toBe(false);
  });

  it('parses /source/flags as a RegExp', () => {
    const m = matcherFromText('/^=NAMESERVER-\\d+=$/i')._unsafeUnwrap();
    expect(m('=nameserver-12=')).toBe(true);
    expect(m('=nameserver-=')).toBe(false);
    expect(parseExpectation('/a/')._unsafeUnwrap()).toBeInstanceOf(RegExp);
  });

  it('refuses bad, empty and stateful regular expressions', () => {
    expect(parseExpectation('/(/')._unsafeUnwrapErr().kind).toBe('invalid-pattern');
    expect(parseExpectation('//')._unsafeUnwrapErr().kind).toBe('invalid-pattern');
    expect(parseExpectation('/a/g')._unsafeUnwrapErr().message).toContain('g and y');
  });

  it('makes a RegExp object with g stateless', () => {
    const m = compileMatcher(/a/g)._unsafeUnwrap();
    expect([m('a'), m('a'), m('a')]).toEqual([true, true, true]);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = matcherFromText(text);
        if (parsed.isOk()) parsed.value(text);
      }),
    );
  });
});
