import { describe, expect, it } from 'vitest';
import { formatConfigIssue, formatPath, showValue } from './issue.js';
import { isDnsName, isHeaderToken, isValidName, parseMatchPattern } from './names.js';

describe('names', () => {
  it.each(['a', 'web', 'Web_1', 'a-b', `a${'b'.repeat(31)}`])('accepts name %s', (name) => {
    expect(isValidName(name)).toBe(true);
  });
  it.each(['', '1a', '-a', '_a', 'a b', 'a.b', 'a;b', 'a\n', `a${'b'.repeat(32)}`, 'ä', 'a\u0000'])(
    'rejects name %j',
    (name) => {
      expect(isValidName(name)).toBe(false);
    },
  );
  it('checks DNS names', () => {
    expect(isDnsName('health.load.balance.')).toBe(true);
    expect(isDnsName('_health.example')).toBe(true);
    expect(isDnsName('a..b')).toBe(false);
    expect(isDnsName('-a.example')).toBe(false);
    expect(isDnsName('.')).toBe(false);
    expect(isDnsName(`${'a.'.repeat(127)}a`)).toBe(false);
  });
  it('checks header tokens', () => {
    expect(isHeaderToken('X-Trace')).toBe(true);
    expect(isHeaderToken('X Trace')).toBe(false);
    expect(isHeaderToken('')).toBe(false);
  });
  it('reads match patterns', () => {
    expect(parseMatchPattern('=ns-1=')).toEqual({ kind: 'exact', text: '=ns-1=' });
    const regex = parseMatchPattern('/^ns-\\d$/i');
    expect(regex.kind === 'regex' && regex.regex.test('NS-1')).toBe(true);
    expect(parseMatchPattern('/a/g').kind).toBe('error');
    expect(parseMatchPattern('/(/').kind).toBe('error');
    expect(parseMatchPattern('/a/z').kind).toBe('error');
  });
});

describe('issues', () => {
  it('formats paths', () => {
    expect(formatPath(['services', 1, 'destinations', 0, 'address'])).toBe(
      'services[1].destinations[0].address',
    );
    expect(formatPath(['defaults', 'a b'])).toBe('defaults["a b"]');
    expect(formatPath([])).toBe('');
  });
  it('formats file:line: message', () => {
    const base = { kind: 'invalid', message: 'm', path: 'x' } as const;
    expect(formatConfigIssue({ ...base, file: 'f', line: 3 })).toBe('f:3: m');
    expect(formatConfigIssue({ ...base, file: 'f' })).toBe('f: m');
    expect(formatConfigIssue({ ...base, line: 3 })).toBe('line 3: m');
    expect(formatConfigIssue(base)).toBe('m');
  });
  it('shows values safely', () => {
    expect(showValue('a\nb')).toBe('"a\\nb"');
    expect(showValue('x'.repeat(100))).toBe(`"${'x'.repeat(64)}…"`);
    expect(showValue(Number.NaN)).toBe('NaN');
    expect(showValue(undefined)).toBe('nothing');
    expect(showValue([1])).toBe('a list');
    expect(showValue({})).toBe('an object');
  });
});
