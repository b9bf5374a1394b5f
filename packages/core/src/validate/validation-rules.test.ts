import { describe, expect, it } from 'vitest';
import type { ServiceInput } from './input.js';
import { formatConfigIssue } from './issue.js';
import { webInput } from './test-fixtures.js';
import { validateServices } from './validate-services.js';

const web = webInput;

const dest = (extra: Record<string, unknown>): ServiceInput =>
  web({ destinations: [{ name: 'a', address: '198.51.100.1', ...extra }] });

/** Validates and returns the issues (fails the test when the input is accepted). */
function issuesOf(input: unknown[]) {
  const result = validateServices(input as ServiceInput[]);
  expect(result.isErr(), 'input should be rejected').toBe(true);
  return result.isErr() ? result.error : [];
}

type Case = [label: string, input: ServiceInput, path: string, message: string];

const rejected: Case[] = [
  [
    'service name with shell text',
    web({ name: 'x; delete table inet fw' }),
    'services[0].name',
    'name: "x; delete table inet fw" is invalid',
  ],
  ['service name too long', web({ name: `a${'b'.repeat(32)}` }), 'services[0].name', 'is invalid'],
  ['service name starting with a digit', web({ name: '1web' }), 'services[0].name', 'is invalid'],
  ['service name unicode', web({ name: 'wéb' }), 'services[0].name', 'is invalid'],
  ['missing name', web({ name: undefined }), 'services[0].name', 'name: is missing'],
  [
    'destination name',
    dest({ name: 'a.b' }),
    'services[0].destinations[0].name',
    'name: "a.b" is invalid: use a letter, then up to 31 letters, digits, "_" or "-" (service "web")',
  ],
  [
    'vip 1',
    web({ vip: '1' }),
    'services[0].vip',
    'vip: "1" is not an IPv4 or IPv6 address (service "web")',
  ],
  [
    'address 1.2.3',
    dest({ address: '1.2.3' }),
    'services[0].destinations[0].address',
    'address: "1.2.3" is not an IPv4 or IPv6 address (service "web", destination "a")',
  ],
  [
    'leading zero',
    dest({ address: '010.0.0.1' }),
    'services[0].destinations[0].address',
    'has a leading zero',
  ],
  ['zone index', web({ vip: 'fe80::1%eth0' }), 'services[0].vip', 'zones are not allowed'],
  ['brackets', web({ vip: '[2001:db8::1]' }), 'services[0].vip', 'without brackets'],
  [
    'address as number',
    dest({ address: 3232235521 }),
    'services[0].destinations[0].address',
    'must be an IP address, got 3232235521',
  ],
  [
    'host name as address',
    dest({ address: 'localhost' }),
    'services[0].destinations[0].address',
    'is not an IPv4 or IPv6 address',
  ],
  [
    'mixed family destination',
    dest({ address: '2001:db8::1' }),
    'services[0].destinations[0].address',
    'is IPv6 but the VIP 192.0.2.10 is IPv4',
  ],
  [
    'mixed family connectAddress',
    dest({ connectAddress: '2001:db8::1' }),
    'services[0].destinations[0].connectAddress',
    'never mixes families',
  ],
  [
    'port 0',
    web({ port: 0 }),
    'services[0].port',
    'port: must be an integer 1..65535, got 0 (service "web")',
  ],
  ['port 65536', web({ port: 65536 }), 'services[0].port', 'got 65536'],
  ['port as text', web({ port: '80' }), 'services[0].port', 'got "80"'],
  ['port NaN', web({ port: Number.NaN }), 'services[0].port', 'got NaN'],
  [
    'port Infinity',
    web({ port: Number.POSITIVE_INFINITY }),
    'services[0].port',
    'must be an integer',
  ],
  ['port huge', web({ port: 1e300 }), 'services[0].port', 'got 1e+300'],
  ['port fractional', dest({ port: 80.5 }), 'services[0].destinations[0].port', 'got 80.5'],
  ['connectPort', dest({ connectPort: -1 }), 'services[0].destinations[0].connectPort', 'got -1'],
  [
    'weight negative',
    dest({ weight: -1 }),
    'services[0].destinations[0].weight',
    'must be an integer 0..65535',
  ],
  ['weight too big', dest({ weight: 65536 }), 'services[0].destinations[0].weight', 'got 65536'],
  [
    'protocol',
    web({ protocol: 'sctp' }),
    'services[0].protocol',
    'must be one of tcp, udp, got "sctp"',
  ],
  [
    'scheduler',
    web({ scheduler: 'fastest' }),
    'services[0].scheduler',
    'must be one of rr, wrr, random, sh, mh, lc, wlc',
  ],
  ['whenEmpty', web({ whenEmpty: 'accept' }), 'services[0].whenEmpty', 'one of reject, drop'],
  ['downAction', web({ downAction: 'ignore' }), 'services[0].downAction', 'one of remove, drain'],
  ['forward', web({ forward: 'dnat' }), 'services[0].forward', 'one of nat, route, tunnel'],
  [
    'forward route translating the port',
    web({ forward: 'route', destinations: [{ name: 'a', address: '198.51.100.1', port: 8080 }] }),
    'services[0].destinations[0].port',
    'must be the service port 80 with forward route',
  ],
  ['persistence', web({ persistence: -5 }), 'services[0].persistence', 'integer 0..2678400'],
  [
    'health interval 0',
    web({ health: { interval: 0 } }),
    'services[0].health.interval',
    'integer 1..86400000, got 0',
  ],
  ['health timeout 0', web({ health: { timeout: 0 } }), 'services[0].health.timeout', 'got 0'],
  [
    'health fastInterval fractional',
    web({ health: { fastInterval: 0.5 } }),
    'services[0].health.fastInterval',
    'got 0.5',
  ],
  [
    'health downInterval huge',
    web({ health: { downInterval: 86_400_001 } }),
    'services[0].health.downInterval',
    'got 86400001',
  ],
  ['health rise 0', web({ health: { rise: 0 } }), 'services[0].health.rise', 'integer 1..100'],
  ['health fall 101', web({ health: { fall: 101 } }), 'services[0].health.fall', 'integer 1..100'],
  [
    'health jitter negative',
    web({ health: { jitter: -1 } }),
    'services[0].health.jitter',
    'integer 0..86400000',
  ],
  [
    'health initial',
    web({ health: { initial: 'maybe' } }),
    'services[0].health.initial',
    'one of up, down, unknown',
  ],
  [
    'health unknown field',
    web({ health: { intervall: 5 } }),
    'services[0].health.intervall',
    'health.intervall: unknown field (service "web")',
  ],
  ['unknown service field', web({ vips: [] }), 'services[0].vips', 'vips: unknown field'],
  [
    'unknown destination field',
    dest({ wieght: 2 }),
    'services[0].destinations[0].wieght',
    'wieght: unknown field (service "web", destination "a")',
  ],
  [
    'destinations not a list',
    web({ destinations: {} }),
    'services[0].destinations',
    'must be a list',
  ],
  [
    'destination not an object',
    web({ destinations: ['a'] }),
    'services[0].destinations[0]',
    'must be an object, got "a" (service "web")',
  ],
  [
    'probe kind',
    web({ probe: { kind: 'icmp' } }),
    'services[0].probe.kind',
    'probe.kind: must be one of tcp, dns, http, none, agent, exec, got "icmp"',
  ],
  [
    'probe not an object',
    web({ probe: 'tcp' }),
    'services[0].probe',
    'must be an object with a kind',
  ],
  [
    'probe field of another kind',
    web({ probe: { kind: 'tcp', path: '/' } }),
    'services[0].probe.path',
    'probe.path: unknown field',
  ],
  [
    'tcp send too long',
    web({ probe: { kind: 'tcp', send: 'x'.repeat(1025) } }),
    'services[0].probe.send',
    'at most 1024',
  ],
  [
    'tcp expect not text',
    web({ probe: { kind: 'tcp', expect: 220 } }),
    'services[0].probe.expect',
    'got 220',
  ],
  [
    'dns name missing',
    web({ probe: { kind: 'dns' } }),
    'services[0].probe.name',
    'probe.name: is missing',
  ],
  [
    'dns name bad',
    web({ probe: { kind: 'dns', name: 'a b.example' } }),
    'services[0].probe.name',
    'is not a valid DNS name',
  ],
  [
    'dns name label too long',
    web({ probe: { kind: 'dns', name: `${'a'.repeat(64)}.example` } }),
    'services[0].probe.name',
    'not a valid DNS name',
  ],
  [
    'dns type',
    web({ probe: { kind: 'dns', name: 'x.example', type: 'MX' } }),
    'services[0].probe.type',
    'one of TXT, A, AAAA, SOA',
  ],
  [
    'dns transport',
    web({ probe: { kind: 'dns', name: 'x.example', transport: 'quic' } }),
    'services[0].probe.transport',
    'one of tcp, udp',
  ],
  [
    'dns expect regex',
    web({ probe: { kind: 'dns', name: 'x.example', expect: '/[/' } }),
    'services[0].probe.expect',
    'not a valid regular expression',
  ],
  [
    'dns expect regex flags',
    web({ probe: { kind: 'dns', name: 'x.example', expect: '/a/q' } }),
    'services[0].probe.expect',
    'not a valid regular expression',
  ],
  [
    'dns expect stateful flag',
    web({ probe: { kind: 'dns', name: 'x.example', expect: '/a/g' } }),
    'services[0].probe.expect',
    'flags "g" and "y" are not allowed',
  ],
  [
    'http path',
    web({ probe: { kind: 'http', path: 'health' } }),
    'services[0].probe.path',
    'must start with "/"',
  ],
  [
    'http path with space',
    web({ probe: { kind: 'http', path: '/a b' } }),
    'services[0].probe.path',
    'no spaces',
  ],
  [
    'http method',
    web({ probe: { kind: 'http', method: 'POST' } }),
    'services[0].probe.method',
    'one of GET, HEAD',
  ],
  [
    'http status order',
    web({ probe: { kind: 'http', status: [399, 200] } }),
    'services[0].probe.status',
    'must be ordered [low, high], got [399, 200]',
  ],
  [
    'http status range',
    web({ probe: { kind: 'http', status: [200, 600] } }),
    'services[0].probe.status[1]',
    'integer 100..599',
  ],
  [
    'http status shape',
    web({ probe: { kind: 'http', status: 200 } }),
    'services[0].probe.status',
    '[low, high] status codes',
  ],
  [
    'http header token',
    web({ probe: { kind: 'http', header: { name: 'X-Trace:' } } }),
    'services[0].probe.header.name',
    'not a valid HTTP header name',
  ],
  [
    'http header matches plain',
    web({ probe: { kind: 'http', header: { name: 'X-Trace', matches: 'web' } } }),
    'services[0].probe.header.matches',
    'must be written as /source/flags',
  ],
  [
    'http header matches bad',
    web({ probe: { kind: 'http', header: { name: 'X-Trace', matches: '/(?<x/' } } }),
    'services[0].probe.header.matches',
    'not a valid regular expression',
  ],
  [
    'http servername',
    web({ probe: { kind: 'http', servername: 'bad name' } }),
    'services[0].probe.servername',
    'not a valid DNS name',
  ],
  ['http ca', web({ probe: { kind: 'http', ca: 'not pem' } }), 'services[0].probe.ca', 'PEM'],
  [
    'http tls',
    web({ probe: { kind: 'http', tls: 'yes' } }),
    'services[0].probe.tls',
    'true or false',
  ],
  [
    'none with fields',
    web({ probe: { kind: 'none', send: 'x' } }),
    'services[0].probe.send',
    'unknown field',
  ],
];

describe('validateServices: each rule rejects', () => {
  it.each(rejected)('%s', (_label, input, path, message) => {
    const issues = issuesOf([input]);
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.kind).toBe('invalid');
    expect(formatConfigIssue(issue!)).toContain(message);
    expect(formatConfigIssue(issue!)).not.toContain('services[');
  });
});
