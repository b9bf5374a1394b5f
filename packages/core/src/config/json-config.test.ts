import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatConfigIssue } from '../validate/issue.js';
import { countConfigIssues, formatConfigIssues } from '../validate/issue-list.js';
import { parseConfig } from './json-config.js';

const testdata = (name: string): string =>
  readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

const messages = (text: string, file = 'lb.yaml'): string[] =>
  parseConfig(text, { file })._unsafeUnwrapErr().map(formatConfigIssue);

describe('parseConfig: good input', () => {
  it('reads the keepalived DNS cluster (YAML), defaults merged into each service', () => {
    const services = parseConfig(testdata('dns-cluster.yaml'), {
      file: 'dns-cluster.yaml',
    })._unsafeUnwrap();
    expect(services.map((s) => [s.name, s.key.vip, s.key.protocol])).toEqual([
      ['dns-udp', '192.0.2.53', 'udp'],
      ['dns-tcp', '192.0.2.53', 'tcp'],
      ['dns6-udp', '2001:db8::53', 'udp'],
    ]);
    const [udp, tcp, v6] = services;
    expect(udp?.probe).toEqual({
      kind: 'dns',
      name: 'health.load.balance',
      type: 'TXT',
      expect: '/^=nameserver-\\d+=$/',
    });
    expect(udp?.health).toEqual({
      interval: 10_000,
      fastInterval: 500,
      downInterval: 10_000,
      timeout: 3000,
      rise: 2,
      fall: 2,
      jitter: 10_000,
      initial: 'unknown',
    });
    expect(udp?.destinations[0]).toEqual({
      name: 'nameserver-1',
      address: '198.51.100.1',
      port: 53,
      weight: 1,
      connectAddress: '203.0.113.1',
    });
    expect(tcp?.health.interval).toBe(10_000);
    expect(v6?.destinations[1]).toMatchObject({ address: '2001:db8:1::2', weight: 2 });
  });

  it('reads every model feature from JSON', () => {
    const [web, smtp] = parseConfig(testdata('web.json'), { file: 'web.json' })._unsafeUnwrap();
    expect(web).toEqual({
      name: 'web',
      key: { vip: '192.0.2.80', port: 443, protocol: 'tcp' },
      scheduler: 'mh',
      whenEmpty: 'drop',
      downAction: 'drain',
      persistence: 0,
      probe: {
        kind: 'http',
        method: 'GET',
        path: '/healthz',
        host: 'www.example.com',
        tls: true,
        servername: 'www.example.com',
        insecure: false,
        status: [200, 299],
        header: { name: 'X-Trace', matches: '/^web-\\d+$/' },
      },
      health: {
        interval: 5000,
        fastInterval: 1000,
        downInterval: 15000,
        timeout: 2000,
        rise: 3,
        fall: 2,
        jitter: 1000,
        initial: 'down',
      },
      destinations: [
        { name: 'web-1', address: '198.51.100.11', port: 8443, weight: 3 },
        { name: 'web-2', address: '198.51.100.12', port: 8443, weight: 1, connectPort: 9000 },
      ],
    });
    expect(smtp).toMatchObject({
      scheduler: 'wrr',
      downAction: 'drain',
      probe: { kind: 'tcp', expect: '220' },
    });
  });

  it('accepts an empty config only when allowed, and option defaults under the file defaults', () => {
    expect(parseConfig('services: []', { allowEmpty: true })._unsafeUnwrap()).toEqual([]);
    expect(parseConfig('', { allowEmpty: true })._unsafeUnwrap()).toEqual([]);
    expect(parseConfig('services: []')._unsafeUnwrapErr()[0]?.kind).toBe('incomplete');
    const text =
      'defaults: { health: { rise: 5 } }\nservices: [{ name: a, vip: 192.0.2.1, port: 1 }]';
    const [service] = parseConfig(text, {
      defaults: { scheduler: 'sh', health: { rise: 1, fall: 7 } },
    })._unsafeUnwrap();
    expect(service).toMatchObject({ scheduler: 'sh', health: { rise: 5, fall: 7 } });
  });

  it('reads 10k destinations written as JSON lines', () => {
    const destinations = Array.from({ length: 10_000 }, (_, i) => ({
      name: `n${i}`,
      address: `10.${i >> 8}.${i & 255}.1`,
    }));
    const text = JSON.stringify(
      { services: [{ name: 'big', vip: '192.0.2.1', port: 80, destinations }] },
      null,
      1,
    );
    const [service] = parseConfig(text)._unsafeUnwrap();
    expect(service?.destinations).toHaveLength(10_000);
  });
});

describe('parseConfig: bad input names file:line', () => {
  it('reports every problem of the hostile sample with its line', () => {
    expect(messages(testdata('hostile.yaml'), 'hostile.yaml')).toEqual([
      'hostile.yaml:3: name: "x; delete table inet fw" is invalid: use a letter, then up to 31 letters, digits, "_" or "-"',
      'hostile.yaml:7: vip: "1.2.3" is not an IPv4 or IPv6 address (service "web")',
      'hostile.yaml:8: port: must be an integer 1..65535, got 99999 (service "web")',
      'hostile.yaml:9: prot: unknown field (service "web")',
      'hostile.yaml:12: address: "010.0.0.1" has a leading zero (ambiguous: octal to some tools, decimal to others) (service "web", destination "a")',
      'hostile.yaml:13: weight: must be an integer 0..65535, got NaN (service "web", destination "a")',
      'hostile.yaml:14: name: "web" is already used by another service on line 6',
    ]);
  });

  it.each([
    [
      'empty file',
      '',
      'lb.yaml: the config is empty (or only comments); applying it would remove services',
    ],
    ['only comments', '# nothing\n# here\n', 'the config is empty'],
    ['an empty services list', 'services: []', 'lb.yaml:1: "services" is empty'],
    ['a scalar', '42', 'config must be an object'],
    ['a list', '[1, 2]', 'config must be an object'],
    ['no services', 'defaults: {}', 'lb.yaml:1: services: is missing'],
    ['services not a list', 'services: { a: 1 }', 'lb.yaml:1: services: must be a list'],
    ['unknown top-level key', 'services: []\nservice: []', 'lb.yaml:2: service: unknown field'],
    ['bad YAML', 'services: [\n  {', 'lb.yaml:2:'],
    ['tab indentation', 'services:\n\t- name: a', 'lb.yaml:2: Tabs are not allowed as indentation'],
    [
      'duplicate keys (JSON)',
      '{"services": [], "services": []}',
      'lb.yaml:1: Map keys must be unique',
    ],
    ['two documents', 'services: []\n---\nservices: []', 'lb.yaml:2:'],
    [
      'bad defaults',
      'defaults:\n  health:\n    rise: 0\nservices: []',
      'lb.yaml:3: defaults.health.rise: must be an integer 1..100, got 0',
    ],
    [
      'unknown defaults key',
      'defaults:\n  name: x\nservices: []',
      'lb.yaml:2: defaults.name: unknown field',
    ],
    [
      '__proto__ key',
      'services:\n  - name: a\n    vip: 192.0.2.1\n    port: 1\n    __proto__: { x: 1 }',
      'lb.yaml:5: __proto__: unknown field (service "a")',
    ],
    [
      'huge number',
      'services: [{ name: a, vip: 192.0.2.1, port: 1e400 }]',
      'port: must be an integer 1..65535, got Infinity (service "a")',
    ],
    ['hex number', 'services: [{ name: a, vip: 192.0.2.1, port: 0x10000 }]', 'got 65536'],
    ['port as string', 'services: [{ name: a, vip: 192.0.2.1, port: "80" }]', 'got "80"'],
    [
      'vip as number',
      'services: [{ name: a, vip: 3232235521, port: 80 }]',
      'vip: must be an IP address, got 3232235521 (service "a")',
    ],
    [
      'unicode name',
      'services: [{ name: wéb, vip: 192.0.2.1, port: 80 }]',
      'name: "wéb" is invalid',
    ],
    ['null service', 'services:\n  -\n  - 5', 'lb.yaml:3: must be an object, got 5'],
    [
      'missing name, line of the object',
      'services:\n  - vip: 192.0.2.1\n    port: 80',
      'lb.yaml:2: name: is missing',
    ],
    [
      'merge key',
      'services:\n  - <<: { port: 80 }\n    name: a\n    vip: 192.0.2.1\n    port: 80',
      'lb.yaml:2: ["<<"]: unknown field (service "a")',
    ],
    [
      'alias bomb',
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${'*a, '.repeat(9)}*a]\nc: &c [${'*b, '.repeat(9)}*b]\nd: [${'*c, '.repeat(9)}*c]\nservices: []`,
      'lb.yaml: Excessive alias count',
    ],
  ])('%s', (_label, text, message) => {
    const found = messages(text);
    expect(
      found.some((m) => m.includes(message)),
      found.join('\n'),
    ).toBe(true);
    expect(found.every((m) => m.startsWith('lb.yaml'))).toBe(true);
    expect(found.some((m) => /services\[|destinations\[/.test(m))).toBe(false);
  });

  it('130,000 bad services: no stack overflow, the issues capped and counted', () => {
    const text = JSON.stringify({ services: Array.from({ length: 130_000 }, () => 1) });
    const issues = parseConfig(text, { file: 'big.json' })._unsafeUnwrapErr();
    expect(issues).toHaveLength(1001);
    expect(countConfigIssues(issues)).toBe(130_000);
    expect(formatConfigIssues(issues, 1)).toEqual([
      'big.json:1: must be an object, got 1',
      'big.json: and 129,999 more problems',
    ]);
  });

  it('refuses a non-string without throwing', () => {
    expect(parseConfig(undefined as never)._unsafeUnwrapErr()[0]).toMatchObject({ kind: 'syntax' });
  });

  it('points at the destination line for a destination problem in a flow mapping', () => {
    const text =
      'services:\n  - name: a\n    vip: 192.0.2.1\n    port: 80\n    destinations:\n      - { name: x, address: 198.51.100.1 }\n      - { name: y, address: "2001:db8::1" }\n';
    const [issue] = parseConfig(text, { file: 'f.yaml' })._unsafeUnwrapErr();
    expect(issue).toMatchObject({ line: 7, path: 'services[0].destinations[1].address' });
  });
});
