import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatConfigIssue } from '../validate/issue.js';
import { countConfigIssues, formatConfigIssues } from '../validate/issue-list.js';
import { parseRulesFile, RULES_FIELDS } from './rules-file.js';

const testdata = (name: string): string =>
  readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

const messages = (text: string, file = 'lb.rules'): string[] =>
  parseRulesFile(text, { file })._unsafeUnwrapErr().map(formatConfigIssue);

describe('parseRulesFile: good input', () => {
  it('reads the vendor sample, grouping lines by svc', () => {
    const services = parseRulesFile(testdata('nft_lb.rules'), {
      file: 'nft_lb.rules',
    })._unsafeUnwrap();
    expect(services.map((s) => [s.name, s.key.vip, s.key.port, s.destinations.length])).toEqual([
      ['smtp', '192.0.2.25', 25, 3],
      ['imap', '192.0.2.25', 143, 2],
      ['submission', '192.0.2.25', 587, 2],
    ]);
    const submission = services[2];
    expect(submission?.destinations).toEqual([
      { name: 'mx1', address: '198.51.100.11', port: 587, weight: 1 },
      { name: 'mx2', address: '198.51.100.12', port: 587, weight: 3 },
    ]);
    // Weights 1 and 3 under rr would be ignored: a service with different weights gets wrr.
    expect(submission).toMatchObject({
      key: { protocol: 'tcp' },
      probe: { kind: 'tcp' },
      scheduler: 'wrr',
    });
    expect(services[0]?.scheduler).toBe('rr');
  });

  it('keeps an explicit scheduler even when the weights differ', () => {
    const text = 'a|192.0.2.1|80|n|198.51.100.1|1\na|192.0.2.1|80|m|198.51.100.2|5\n';
    expect(parseRulesFile(text)._unsafeUnwrap()[0]?.scheduler).toBe('wrr');
    const rr = parseRulesFile(text, { defaults: { scheduler: 'rr' } });
    expect(rr._unsafeUnwrap()[0]?.scheduler).toBe('rr');
    const equal = 'a|192.0.2.1|80|n|198.51.100.1|2\na|192.0.2.1|80|m|198.51.100.2|2\n';
    expect(parseRulesFile(equal)._unsafeUnwrap()[0]?.scheduler).toBe('rr');
  });

  it('reads port 080 and 80 as the same port of one service', () => {
    const text = 'a|192.0.2.1|080|n|198.51.100.1\na|192.0.2.1|80|m|198.51.100.2\n';
    const [service] = parseRulesFile(text)._unsafeUnwrap();
    expect(service?.key.port).toBe(80);
    expect(service?.destinations.map((d) => d.port)).toEqual([80, 80]);
  });

  it('tolerates CRLF, lone CR, a BOM, tabs and spaces around fields', () => {
    expect(parseRulesFile(testdata('crlf.rules'))._unsafeUnwrap()[0]?.destinations).toHaveLength(2);
    const text =
      '\uFEFF web |\t192.0.2.80\t| 80 | w1 | 198.51.100.21 \r web|192.0.2.80|80|w2|198.51.100.22';
    expect(
      parseRulesFile(text)
        ._unsafeUnwrap()[0]
        ?.destinations.map((d) => d.name),
    ).toEqual(['w1', 'w2']);
  });

  it('groups IPv6 lines by canonical VIP and stores addresses canonical', () => {
    const text = 'dns|2001:DB8::53|53|ns1|2001:db8:0:0::1\ndns|2001:db8::53|53|ns2|2001:db8::2\n';
    const [service] = parseRulesFile(text)._unsafeUnwrap();
    expect(service?.key.vip).toBe('2001:db8::53');
    expect(service?.destinations.map((d) => d.address)).toEqual(['2001:db8::1', '2001:db8::2']);
  });

  it.each([
    ['an empty file', ''],
    ['only blank lines', '\n\n  \r\n\t\n'],
    ['only comments', '# a\n   # b\n#svc|vip|port|node|ip\n'],
  ])('refuses %s (it would remove every service) unless allowEmpty', (_label, text) => {
    const [issue, ...rest] = parseRulesFile(text, { file: 'lb.rules' })._unsafeUnwrapErr();
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ kind: 'incomplete', file: 'lb.rules' });
    expect(formatConfigIssue(issue!)).toMatch(/^lb\.rules: the file has no service lines/);
    expect(parseRulesFile(text, { allowEmpty: true })._unsafeUnwrap()).toEqual([]);
  });

  it('applies defaults over the format (protocol tcp, probe tcp)', () => {
    const [service] = parseRulesFile('web|192.0.2.80|80|w1|198.51.100.21', {
      defaults: {
        scheduler: 'wrr',
        whenEmpty: 'drop',
        health: { interval: 20_000, timeout: 1000, fall: 1 },
      },
    })._unsafeUnwrap();
    expect(service).toMatchObject({
      scheduler: 'wrr',
      whenEmpty: 'drop',
      key: { protocol: 'tcp' },
      probe: { kind: 'tcp' },
      health: { interval: 20_000, downInterval: 20_000, fall: 1, rise: 2 },
    });
  });

  it('reads 10k lines', () => {
    const lines: string[] = [];
    for (let s = 0; s < 100; s++) {
      for (let d = 0; d < 100; d++)
        lines.push(`svc${s}|192.0.2.${s}|${1000 + s}|n${d}|198.51.${100 + (d >> 6)}.${d}`);
    }
    const started = performance.now();
    const services = parseRulesFile(lines.join('\n'))._unsafeUnwrap();
    expect(services).toHaveLength(100);
    expect(services.every((s) => s.destinations.length === 100)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('parseRulesFile: bad input names file:line and loads nothing', () => {
  it('rejects every line of the hostile sample, each with its line', () => {
    expect(messages(testdata('hostile.rules'), 'hostile.rules')).toEqual([
      'hostile.rules:2: svc: "x; delete table inet fw" is invalid: use a letter, then up to 31 letters, digits, "_" or "-"',
      'hostile.rules:3: node: "a\\"; flush ruleset; \\"" is invalid: use a letter, then up to 31 letters, digits, "_" or "-" (service "web")',
      'hostile.rules:3: vip: 192.0.2.1:80/tcp is already used by another service on line 2 (service "web")',
      'hostile.rules:4: ip: "1.2.3" is not an IPv4 or IPv6 address (service "web", destination "b")',
      'hostile.rules:5: ip: "010.0.0.1" has a leading zero (ambiguous: octal to some tools, decimal to others) (service "web", destination "c")',
      'hostile.rules:6: ip: 2001:db8::1 is IPv6 but the VIP 192.0.2.1 is IPv4; a service never mixes families (service "web", destination "d")',
      'hostile.rules:7: vip: line 7 has vip "192.0.2.2" port "80", but line 3 has vip "192.0.2.1" port "80"; lines of one service must agree, services are never merged (service "web")',
      'hostile.rules:8: port: must be an integer 1..65535, got "99999999999999999999" (service "dns")',
      'hostile.rules:9: weight: must be an integer 0..65535, got "-1" (service "dns", destination "ns2")',
      'hostile.rules:10: expected 5 or 6 fields svc|vip|port|node|ip[|weight], found 3',
    ]);
  });

  it.each([
    ['too many fields', 'a|192.0.2.1|80|n|198.51.100.1|1|x', 'expected 5 or 6 fields'],
    ['one field', 'garbage', 'found 1'],
    [
      'empty weight',
      'a|192.0.2.1|80|n|198.51.100.1|',
      'weight: must be an integer 0..65535, got ""',
    ],
    ['weight 1.5', 'a|192.0.2.1|80|n|198.51.100.1|1.5', 'got "1.5"'],
    ['weight 70000', 'a|192.0.2.1|80|n|198.51.100.1|70000', 'got 70000'],
    [
      'port 0x50',
      'a|192.0.2.1|0x50|n|198.51.100.1',
      'port: must be an integer 1..65535, got "0x50"',
    ],
    ['port NaN', 'a|192.0.2.1|NaN|n|198.51.100.1', 'got "NaN"'],
    ['port 1e3', 'a|192.0.2.1|1e3|n|198.51.100.1', 'got "1e3"'],
    ['port empty', 'a|192.0.2.1||n|198.51.100.1', 'got ""'],
    ['vip 1', 'a|1|80|n|198.51.100.1', 'vip: "1" is not an IPv4 or IPv6 address'],
    ['vip with zone', 'a|fe80::1%eth0|80|n|fe80::2', 'zones are not allowed'],
    ['unicode name', 'wéb|192.0.2.1|80|n|198.51.100.1', 'svc: "wéb" is invalid'],
    ['name with tab inside', 'a\tb|192.0.2.1|80|n|198.51.100.1', 'svc: "a\\tb" is invalid'],
    ['NUL in name', 'a\u0000|192.0.2.1|80|n|198.51.100.1', 'svc: "a\\u0000" is invalid'],
    [
      'duplicate node',
      'a|192.0.2.1|80|n|198.51.100.1\na|192.0.2.1|80|n|198.51.100.2',
      'node: "n" is already used by another destination on line 2',
    ],
    [
      'duplicate ip',
      'a|192.0.2.1|80|n|198.51.100.1\na|192.0.2.1|80|m|198.51.100.1',
      'ip: 198.51.100.1:80 is already used by destination "n" on line 2',
    ],
    [
      'same key, two names',
      'a|192.0.2.1|80|n|198.51.100.1\nb|192.0.2.1|80|n|198.51.100.1',
      'vip: 192.0.2.1:80/tcp is already used by service "a" on line 2',
    ],
    [
      'port changes',
      'a|192.0.2.1|80|n|198.51.100.1\na|192.0.2.1|81|m|198.51.100.2',
      'port: line 3 has vip "192.0.2.1" port "81", but line 2',
    ],
  ])('%s', (_label, text, message) => {
    const found = messages(`# header\n${text}`);
    expect(
      found.some((m) => m.startsWith('lb.rules:') && m.includes(message)),
      found.join('\n'),
    ).toBe(true);
    expect(found.every((m) => /^lb\.rules:\d+: /.test(m))).toBe(true);
    expect(found.some((m) => /services\[|destinations\[/.test(m))).toBe(false);
  });

  it('refuses a non-string without throwing', () => {
    expect(parseRulesFile(42 as never, { file: 'f' })._unsafeUnwrapErr()[0]).toMatchObject({
      kind: 'syntax',
      file: 'f',
    });
  });

  it('fails the whole load when one line of many is bad', () => {
    const good = Array.from({ length: 50 }, (_, i) => `web|192.0.2.1|80|n${i}|198.51.100.${i + 1}`);
    const result = parseRulesFile(
      [...good, 'web|192.0.2.1|80|bad name|198.51.100.200'].join('\n'),
      { file: 'f' },
    );
    expect(result._unsafeUnwrapErr().map((i) => i.line)).toEqual([51]);
  });

  it('reports invalid defaults without a line and does not apply them', () => {
    const result = parseRulesFile('web|192.0.2.80|80|w1|198.51.100.21', {
      file: 'f',
      defaults: { scheduler: 'best' as never },
    });
    expect(result._unsafeUnwrapErr()).toEqual([
      {
        kind: 'invalid',
        path: 'defaults.scheduler',
        field: 'defaults.scheduler',
        message: 'must be one of rr, wrr, random, sh, mh, lc, wlc, got "best"',
      },
    ]);
  });
});

describe('parseRulesFile: huge bad input gives a short, clean error', () => {
  it('130,000 bad lines: no stack overflow, 1,000 issues kept, the rest counted', () => {
    const text = `${Array.from({ length: 130_000 }, (_, i) => `garbage${i}`).join('\n')}\n`;
    const issues = parseRulesFile(text, { file: 'big.rules' })._unsafeUnwrapErr();
    expect(issues).toHaveLength(1001);
    expect(issues.at(-1)).toMatchObject({ kind: 'more', file: 'big.rules', omitted: 129_000 });
    expect(countConfigIssues(issues)).toBe(130_000);
    expect(formatConfigIssues(issues, 10)).toEqual([
      ...Array.from(
        { length: 10 },
        (_, i) => `big.rules:${i + 1}: expected 5 or 6 fields ${RULES_FIELDS}, found 1`,
      ),
      'big.rules: and 129,990 more problems',
    ]);
  });
});
