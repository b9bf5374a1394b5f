import { describe, expect, it } from 'vitest';
import { compileHeaderMatch } from './header-match.js';

describe('compileHeaderMatch', () => {
  it('supports equals, prefix, contains, matches and presence', () => {
    const cases = [
      [{ name: 'X-Trace', equals: 'web-1' }, 'web-1', 'web-10'],
      [{ name: 'X-Trace', prefix: 'web-' }, 'web-7', 'db-1'],
      [{ name: 'X-Trace', contains: 'eb' }, 'web-1', 'db-1'],
      [{ name: 'X-Trace', matches: '/^web-\\d$/' }, 'web-3', 'web-33'],
      [{ name: 'X-Trace', matches: /^WEB/i }, 'web-3', 'db'],
    ] as const;
    for (const [rule, good, bad] of cases) {
      const m = compileHeaderMatch(rule)._unsafeUnwrap();
      expect(m.name).toBe('x-trace');
      expect(m.test(good), m.rule).toBe(true);
      expect(m.test(bad), m.rule).toBe(false);
    }
    expect(compileHeaderMatch({ name: 'x-trace' })._unsafeUnwrap().test('')).toBe(true);
  });

  it('refuses bad names, several rules, and a non-regex matches', () => {
    expect(compileHeaderMatch({ name: 'bad name' }).isErr()).toBe(true);
    expect(compileHeaderMatch({ name: 'x', equals: 'a', prefix: 'b' }).isErr()).toBe(true);
    expect(compileHeaderMatch({ name: 'x', matches: 'plain' }).isErr()).toBe(true);
    expect(compileHeaderMatch({ name: 'x', matches: '/(/' }).isErr()).toBe(true);
  });
});
