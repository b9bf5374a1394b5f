import { describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH } from '../model.js';
import type { ServiceInput } from './input.js';
import { formatConfigIssue, type SourceMap } from './issue.js';
import { webInput } from './test-fixtures.js';
import {
  applyServiceDefaults,
  serviceToInput,
  validateServiceDefaults,
  validateServices,
} from './validate-services.js';

const web = webInput;

/** Validates and returns the issues (fails the test when the input is accepted). */
function issuesOf(input: unknown[]) {
  const result = validateServices(input as ServiceInput[]);
  expect(result.isErr(), 'input should be rejected').toBe(true);
  return result.isErr() ? result.error : [];
}

describe('validateServices: defaults and canonical form', () => {
  it('fills every default (wrr for different weights, which rr would ignore)', () => {
    const result = validateServices([web()]);
    expect(result._unsafeUnwrap()).toEqual([
      {
        name: 'web',
        key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
        scheduler: 'wrr',
        destinations: [
          { name: 'a', address: '198.51.100.1', port: 80, weight: 1 },
          { name: 'b', address: '198.51.100.2', port: 8080, weight: 5 },
        ],
        probe: { kind: 'tcp' },
        health: DEFAULT_HEALTH,
        whenEmpty: 'reject',
        downAction: 'remove',
        persistence: 0,
      },
    ]);
  });

  it('defaults the scheduler to rr when the weights are equal (0 = drained does not count)', () => {
    const equal = [
      { name: 'a', address: '198.51.100.1', weight: 3 },
      { name: 'b', address: '198.51.100.2', weight: 3 },
      { name: 'c', address: '198.51.100.3', weight: 0 },
    ];
    expect(validateServices([web({ destinations: equal })])._unsafeUnwrap()[0]?.scheduler).toBe(
      'rr',
    );
    expect(validateServices([web({ scheduler: 'rr' })])._unsafeUnwrap()[0]?.scheduler).toBe('rr');
  });

  it('defaults downInterval and jitter to the service interval', () => {
    const [service] = validateServices([web({ health: { interval: 10_000 } })])._unsafeUnwrap();
    expect(service?.health).toMatchObject({
      interval: 10_000,
      downInterval: 10_000,
      jitter: 10_000,
    });
  });

  it('stores addresses canonical and keeps connectAddress/connectPort', () => {
    const [service] = validateServices([
      {
        name: 'dns6',
        vip: '2001:DB8:0:0:0:0:0:53',
        port: 53,
        protocol: 'udp',
        destinations: [
          {
            name: 'ns1',
            address: '2001:db8::0:1',
            connectAddress: '2001:0db8::2',
            connectPort: 5353,
          },
        ],
      },
    ])._unsafeUnwrap();
    expect(service?.key.vip).toBe('2001:db8::53');
    expect(service?.destinations[0]).toEqual({
      name: 'ns1',
      address: '2001:db8::1',
      port: 53,
      weight: 1,
      connectAddress: '2001:db8::2',
      connectPort: 5353,
    });
  });

  it('accepts an empty list and a service without destinations', () => {
    expect(validateServices([])._unsafeUnwrap()).toEqual([]);
    expect(validateServices([web({ destinations: [] })])._unsafeUnwrap()[0]?.destinations).toEqual(
      [],
    );
  });

  it('strips the trailing dot of a DNS probe name', () => {
    const [service] = validateServices([
      web({
        probe: { kind: 'dns', name: 'health.load.balance.', type: 'TXT', expect: '/^=ns-\\d=$/' },
      }),
    ])._unsafeUnwrap();
    expect(service?.probe).toEqual({
      kind: 'dns',
      name: 'health.load.balance',
      type: 'TXT',
      expect: '/^=ns-\\d=$/',
    });
  });

  it('round-trips through serviceToInput', () => {
    const first = validateServices([
      web({ scheduler: 'mh', whenEmpty: 'drop', downAction: 'drain', persistence: 300 }),
    ])._unsafeUnwrap();
    expect(validateServices(first.map(serviceToInput))._unsafeUnwrap()).toEqual(first);
  });

  it('never throws on garbage', () => {
    for (const junk of [
      null,
      undefined,
      5,
      'x',
      {},
      [null],
      [[]],
      [{ name: {} }],
      [Object.create(null)],
    ]) {
      expect(() => validateServices(junk as never)).not.toThrow();
      expect(validateServices(junk as never).isErr() || Array.isArray(junk)).toBe(true);
    }
  });
});

describe('validateServices: duplicates', () => {
  it('rejects the same service name with a different VIP (never merged)', () => {
    const issues = issuesOf([web(), web({ vip: '192.0.2.11' })]);
    expect(issues).toEqual([
      {
        kind: 'duplicate',
        field: 'name',
        path: 'services[1].name',
        message:
          '"web" is already used by another service with a different VIP (192.0.2.10 there, 192.0.2.11 here); services are never merged',
      },
    ]);
  });

  it('rejects two services with the same key', () => {
    const issues = issuesOf([web(), web({ name: 'web2' })]);
    expect(issues).toEqual([
      {
        kind: 'duplicate',
        field: 'vip',
        path: 'services[1].vip',
        message: '192.0.2.10:80/tcp is already used by service "web" (service "web2")',
      },
    ]);
  });

  it('compares keys canonically and per protocol', () => {
    const v6 = { vip: '2001:db8::10', destinations: [] };
    expect(
      issuesOf([web({ ...v6 }), web({ ...v6, name: 'w2', vip: '2001:DB8:0::10' })])[0]?.kind,
    ).toBe('duplicate');
    expect(validateServices([web(), web({ name: 'w2', protocol: 'udp' })]).isOk()).toBe(true);
  });

  it('rejects two destinations with the same name or the same address:port', () => {
    const issues = issuesOf([
      web({
        destinations: [
          { name: 'a', address: '198.51.100.1' },
          { name: 'a', address: '198.51.100.2' },
          { name: 'c', address: '198.51.100.1', port: 80 },
          { name: 'd', address: '198.51.100.1', port: 81 },
        ],
      }),
    ]);
    expect(issues.map((i) => [i.kind, i.path, i.message])).toEqual([
      [
        'duplicate',
        'services[0].destinations[1].name',
        '"a" is already used by another destination (service "web", destination "a")',
      ],
      [
        'duplicate',
        'services[0].destinations[2].address',
        '198.51.100.1:80 is already used by destination "a" (service "web", destination "c")',
      ],
    ]);
  });

  it('names the line of the first one when a source map is given', () => {
    const sources: SourceMap = { file: 'lb.rules', lineOf: (path) => 10 + Number(path[1] ?? 0) };
    const result = validateServices([web(), web({ vip: '192.0.2.11' })], sources);
    expect(result._unsafeUnwrapErr()[0]).toMatchObject({
      file: 'lb.rules',
      line: 11,
      field: 'name',
      message: expect.stringContaining('"web" is already used by another service on line 10'),
    });
  });
});

describe('validateServices: every problem at once', () => {
  it('reports problems of several services and fields in one pass', () => {
    const issues = issuesOf([
      web({
        port: 0,
        destinations: [
          { name: 'a', address: '1' },
          { name: 'a', address: '2001:db8::1' },
        ],
      }),
      web({ name: 'bad name', health: { rise: 0 } }),
      web({ name: 'web', vip: '192.0.2.99' }),
    ]);
    expect(issues.map((i) => i.path).sort()).toEqual([
      'services[0].destinations[0].address',
      'services[0].destinations[1].address',
      'services[0].destinations[1].name',
      'services[0].port',
      'services[1].health.rise',
      'services[1].name',
      'services[2].name',
    ]);
  });
});

describe('defaults', () => {
  it('merges health field by field, replaces the probe, and the service wins', () => {
    const merged = applyServiceDefaults(
      { scheduler: 'wrr', health: { interval: 5000, rise: 3 }, probe: { kind: 'http', path: '/' } },
      web({ health: { rise: 1 }, probe: { kind: 'tcp' } }),
    );
    expect(merged).toMatchObject({
      scheduler: 'wrr',
      health: { interval: 5000, rise: 1 },
      probe: { kind: 'tcp' },
    });
  });

  it('validates a defaults block with paths under defaults', () => {
    expect(validateServiceDefaults({ scheduler: 'wrr' }).isOk()).toBe(true);
    const issues = validateServiceDefaults({
      name: 'x',
      health: { fall: 0 },
    } as never)._unsafeUnwrapErr();
    expect(issues.map((i) => [i.path, formatConfigIssue(i)])).toEqual([
      ['defaults.health.fall', 'defaults.health.fall: must be an integer 1..100, got 0'],
      ['defaults.name', 'defaults.name: unknown field'],
    ]);
  });
});
