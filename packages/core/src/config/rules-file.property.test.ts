import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectValidModel } from './model-invariants.test-helper.js';
import { parseRulesFile } from './rules-file.js';

const hostile = fc.constantFrom(
  '',
  ' ',
  '1',
  '1.2.3',
  '010.0.0.1',
  'fe80::1%eth0',
  '[2001:db8::1]',
  'x; delete table inet fw',
  'a"; flush ruleset; "',
  '$(reboot)',
  'wéb',
  'a\tb',
  '\u0000',
  'a'.repeat(33),
  '-1',
  '0',
  '65536',
  '1e3',
  '0x50',
  'NaN',
  '99999999999999999999',
  '2001:db8::1',
  '::ffff:192.0.2.1',
);

/** Mostly well-formed lines over small pools, so good files and every kind of clash occur. */
const goodishLine = fc
  .record({
    svc: fc.integer({ min: 0, max: 2 }),
    node: fc.constantFrom('n1', 'n2', 'n3', 'n4', 'Node_5'),
    host: fc.integer({ min: 1, max: 254 }),
    weight: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    vipShift: fc.integer({ min: 0, max: 20 }),
    spoil: fc.option(fc.tuple(fc.integer({ min: 0, max: 5 }), hostile), {
      freq: 8,
      nil: undefined,
    }),
    comment: fc.option(fc.string(), { freq: 4, nil: undefined }),
    pad: fc.constantFrom('', ' ', '\t', '  '),
  })
  .map(({ svc, node, host, weight, vipShift, spoil, comment, pad }) => {
    const v6 = svc === 2;
    const vip = v6
      ? `2001:DB8::${vipShift === 0 ? 'ff' : '53'}`
      : `192.0.2.${vipShift === 0 ? 99 : svc + 1}`;
    const ip = v6 ? `2001:db8:0:0::${host.toString(16)}` : `198.51.100.${host}`;
    const fields = [`svc${svc}`, vip, String(80 + svc), node, ip];
    if (weight !== undefined) fields.push(String(weight));
    if (spoil) fields[spoil[0]] = spoil[1];
    const line = fields.map((f) => `${pad}${f}${pad}`).join('|');
    return comment === undefined ? line : `${line} #${comment.replace(/[\r\n]/g, '')}`;
  });

const anyLine = fc.oneof(
  goodishLine,
  fc.array(fc.oneof(hostile, fc.string()), { maxLength: 8 }).map((f) => f.join('|')),
  fc.constantFrom('', '   ', '# comment', '\t'),
);

const eol = fc.constantFrom('\n', '\r\n', '\r');

const file = fc
  .tuple(fc.array(fc.oneof({ weight: 4, arbitrary: goodishLine }, anyLine), { maxLength: 12 }), eol)
  .map(([lines, nl]) => lines.join(nl));

/** Parses with empty files allowed; without the allow, an empty result must be `incomplete`. */
function check(text: string): 'ok' | 'err' {
  const result = parseRulesFile(text, { file: 'p.rules', allowEmpty: true });
  if (result.isErr()) {
    expect(result.error.length).toBeGreaterThan(0);
    for (const issue of result.error) expect(issue.file).toBe('p.rules');
    return 'err';
  }
  expectValidModel(result.value);
  const strict = parseRulesFile(text, { file: 'p.rules' });
  if (result.value.length === 0) expect(strict._unsafeUnwrapErr()[0]?.kind).toBe('incomplete');
  else expect(strict._unsafeUnwrap()).toEqual(result.value);
  return 'ok';
}

describe('parseRulesFile properties', () => {
  it('random text never throws; anything accepted is a valid model', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        check(text);
      }),
      { numRuns: 300 },
    );
  });

  it('random line-structured input never throws; accepted files are valid and idempotent', () => {
    const outcomes = { ok: 0, err: 0 };
    fc.assert(
      fc.property(file, (text) => {
        outcomes[check(text)]++;
      }),
      { numRuns: 400 },
    );
    // Both branches must really be exercised.
    expect(outcomes.ok).toBeGreaterThan(20);
    expect(outcomes.err).toBeGreaterThan(20);
  });

  it('odd options (null, numbers, lists) never throw', () => {
    fc.assert(
      fc.property(fc.anything(), (options) => {
        parseRulesFile('a|192.0.2.1|80|n|198.51.100.1\n', options as never);
      }),
      { numRuns: 200 },
    );
    expect(parseRulesFile('a|192.0.2.1|80|n|198.51.100.1\n', null as never).isOk()).toBe(true);
  });

  it('every issue of a file with bad lines carries a line number', () => {
    fc.assert(
      fc.property(fc.array(anyLine, { minLength: 1, maxLength: 8 }), (lines) => {
        const result = parseRulesFile(lines.join('\n'), { file: 'p.rules', allowEmpty: true });
        if (result.isErr()) {
          for (const issue of result.error) {
            expect(issue.line).toBeGreaterThanOrEqual(1);
            expect(issue.line).toBeLessThanOrEqual(lines.length);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
