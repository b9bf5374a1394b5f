import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from './json-config.js';
import { expectValidModel } from './model-invariants.test-helper.js';

const weird = fc.oneof(
  fc.constantFrom(
    '',
    '1',
    '1.2.3',
    '010.0.0.1',
    'fe80::1%eth0',
    'x; delete table inet fw',
    'wéb',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    0,
    65536,
    1e300,
    0.5,
    null,
    true,
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A field that is usually valid and sometimes anything at all. */
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: weird });

const v4Host = fc.integer({ min: 1, max: 254 });
const name = fc.constantFrom('a', 'b', 'c', 'web', 'dns_1', 'N-2');

const destination = (v6: boolean) =>
  fc.record(
    {
      name: field(name),
      address: field(v4Host.map((h) => (v6 ? `2001:DB8::${h.toString(16)}` : `198.51.100.${h}`))),
      port: field(fc.integer({ min: 1, max: 65535 })),
      weight: field(fc.integer({ min: 0, max: 65535 })),
      connectAddress: field(v4Host.map((h) => (v6 ? `2001:db8:1::${h}` : `203.0.113.${h}`))),
      connectPort: field(fc.integer({ min: 1, max: 65535 })),
    },
    { requiredKeys: ['name', 'address'] },
  );

const probe = fc.oneof(
  fc.constant({ kind: 'tcp' }),
  fc.record(
    { kind: fc.constant('tcp'), send: field(fc.string()), expect: field(fc.string()) },
    { requiredKeys: ['kind'] },
  ),
  fc.record(
    {
      kind: fc.constant('dns'),
      name: field(fc.constantFrom('health.load.balance.', 'a.example')),
      type: field(fc.constantFrom('TXT', 'A')),
      expect: field(fc.constantFrom('=ns-1=', '/^=ns-\\d=$/', '/(/')),
    },
    { requiredKeys: ['kind', 'name'] },
  ),
  fc.record(
    {
      kind: fc.constant('http'),
      path: field(fc.constantFrom('/', '/healthz', 'x')),
      status: field(
        fc.tuple(fc.integer({ min: 100, max: 599 }), fc.integer({ min: 100, max: 599 })),
      ),
      header: field(
        fc.record({
          name: fc.constantFrom('X-Trace', 'bad name'),
          matches: fc.constantFrom('/a/', 'a'),
        }),
      ),
    },
    { requiredKeys: ['kind'] },
  ),
  weird,
);

const service = fc.boolean().chain((v6) =>
  fc.record(
    {
      name: field(name),
      vip: field(
        fc.integer({ min: 1, max: 3 }).map((h) => (v6 ? `2001:DB8:0::${h}` : `192.0.2.${h}`)),
      ),
      port: field(fc.integer({ min: 1, max: 3 })),
      protocol: field(fc.constantFrom('tcp', 'udp')),
      scheduler: field(fc.constantFrom('rr', 'wrr', 'mh')),
      probe,
      health: field(
        fc.record(
          {
            interval: field(fc.integer({ min: 1, max: 60_000 })),
            rise: field(fc.integer({ min: 1, max: 100 })),
          },
          { requiredKeys: [] },
        ),
      ),
      destinations: field(fc.array(destination(v6), { maxLength: 4 })),
    },
    { requiredKeys: ['name', 'vip', 'port'] },
  ),
);

const config = fc.record(
  {
    defaults: field(
      fc.record({ scheduler: field(fc.constantFrom('rr', 'sh')) }, { requiredKeys: [] }),
    ),
    services: field(fc.array(service, { maxLength: 4 })),
  },
  { requiredKeys: ['services'] },
);

/** Parses with empty configs allowed; without the allow, an empty result must be `incomplete`. */
function check(text: string): 'ok' | 'err' {
  const result = parseConfig(text, { file: 'p.yaml', allowEmpty: true });
  if (result.isErr()) {
    expect(result.error.length).toBeGreaterThan(0);
    return 'err';
  }
  expectValidModel(result.value);
  const strict = parseConfig(text, { file: 'p.yaml' });
  if (result.value.length === 0) expect(strict._unsafeUnwrapErr()[0]?.kind).toBe('incomplete');
  else expect(strict._unsafeUnwrap()).toEqual(result.value);
  return 'ok';
}

describe('parseConfig properties', () => {
  it('random text never throws; anything accepted is a valid model', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        check(text);
      }),
      { numRuns: 300 },
    );
  });

  it('odd options (null, numbers, lists) never throw', () => {
    fc.assert(
      fc.property(fc.anything(), (options) => {
        parseConfig('services: [{ name: a, vip: 192.0.2.1, port: 80 }]', options as never);
      }),
      { numRuns: 200 },
    );
    expect(parseConfig('services: []', null as never)._unsafeUnwrapErr()[0]?.kind).toBe(
      'incomplete',
    );
  });

  it('random JSON values never throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        check(JSON.stringify(value));
        check(JSON.stringify({ services: [value] }));
      }),
      { numRuns: 200 },
    );
  });

  it('random configs as JSON or YAML: accepted ones are valid and idempotent', () => {
    const outcomes = { ok: 0, err: 0 };
    fc.assert(
      fc.property(config, fc.boolean(), (value, asYaml) => {
        const text = asYaml ? stringify(value) : JSON.stringify(value);
        outcomes[check(text)]++;
      }),
      { numRuns: 400 },
    );
    expect(outcomes.ok).toBeGreaterThan(20);
    expect(outcomes.err).toBeGreaterThan(20);
  });

  it('every issue of a rejected YAML config has a line inside the file', () => {
    fc.assert(
      fc.property(config, (value) => {
        const text = stringify(value);
        const result = parseConfig(text, { file: 'p.yaml', allowEmpty: true });
        if (result.isOk()) return;
        const lines = text.split('\n').length;
        for (const issue of result.error) {
          expect(issue.line).toBeGreaterThanOrEqual(1);
          expect(issue.line).toBeLessThanOrEqual(lines);
        }
      }),
      { numRuns: 200 },
    );
  });
});
