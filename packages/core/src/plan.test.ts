import { describe, expect, it } from 'vitest';
import type { AdminState, DestinationStatus } from './balancer-types.js';
import type { HealthState } from './health/types.js';
import { DEFAULT_HEALTH, type Service } from './model.js';
import { plan } from './plan.js';
import { validateServices } from './validate/validate-services.js';

const service = (overrides: Partial<Service> = {}): Service => ({
  name: 'web',
  key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: [
    { name: 'a', address: '198.51.100.1', port: 80, weight: 1 },
    { name: 'b', address: '198.51.100.2', port: 8080, weight: 3 },
  ],
  probe: { kind: 'tcp' },
  health: DEFAULT_HEALTH,
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
  ...overrides,
});

const st = (health: HealthState, admin: AdminState = 'enabled'): DestinationStatus => ({
  health,
  admin,
});

describe('plan', () => {
  const cases: Array<{
    name: string;
    svc?: Partial<Service>;
    a: DestinationStatus | undefined;
    b: DestinationStatus | undefined;
    want: Array<[string, number]>;
  }> = [
    {
      name: 'both up',
      a: st('up'),
      b: st('up'),
      want: [
        ['a', 1],
        ['b', 3],
      ],
    },
    { name: 'one down is removed', a: st('up'), b: st('down'), want: [['a', 1]] },
    { name: 'unknown is not served', a: st('unknown'), b: st('up'), want: [['b', 3]] },
    { name: 'missing status = unknown', a: undefined, b: st('up'), want: [['b', 3]] },
    {
      name: 'drained keeps weight 0',
      a: st('up', 'drained'),
      b: st('up'),
      want: [
        ['a', 0],
        ['b', 3],
      ],
    },
    { name: 'disabled is removed', a: st('up', 'disabled'), b: st('up'), want: [['b', 3]] },
    { name: 'all down -> empty', a: st('down'), b: st('down'), want: [] },
    {
      name: 'downAction drain keeps down ones at 0',
      svc: { downAction: 'drain' },
      a: st('down'),
      b: st('up'),
      want: [
        ['a', 0],
        ['b', 3],
      ],
    },
    {
      name: 'downAction drain still removes disabled',
      svc: { downAction: 'drain' },
      a: st('down', 'disabled'),
      b: st('unknown'),
      want: [['b', 0]],
    },
    { name: 'drained and down', a: st('down', 'drained'), b: st('up'), want: [['b', 3]] },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const s = service(c.svc);
      const desired = plan([s], (_svc, d) => (d === 'a' ? c.a : c.b));
      const got = desired.services[0]!.destinations.map((d) => [d.name, d.weight]);
      expect(got).toEqual(c.want);
    });
  }

  it('keeps translation ports and service fields, sorts by name', () => {
    const desired = plan(
      [service({ name: 'zz' }), service({ name: 'aa', whenEmpty: 'drop', persistence: 300 })],
      () => st('up'),
    );
    expect(desired.services.map((s) => s.name)).toEqual(['aa', 'zz']);
    expect(desired.services[0]).toMatchObject({ whenEmpty: 'drop', persistence: 300 });
    expect(desired.services[0]!.destinations[1]).toEqual({
      name: 'b',
      address: '198.51.100.2',
      port: 8080,
      weight: 3,
    });
  });

  it('is pure: same input, same output, input untouched', () => {
    const s = service();
    const frozen = JSON.stringify(s);
    const lookup = () => st('up');
    expect(plan([s], lookup)).toEqual(plan([s], lookup));
    expect(JSON.stringify(s)).toBe(frozen);
  });

  it("hands the validated model's parsed addresses on to the desired state (parse once)", () => {
    const [service] = validateServices([
      {
        name: 'web',
        vip: '2001:DB8::10',
        port: 80,
        destinations: [{ name: 'a', address: '2001:db8::0:11' }],
      },
    ])._unsafeUnwrap();
    const [desired] = plan([service!], () => ({ health: 'up', admin: 'enabled' })).services;
    expect(desired!.key.vip).toBe('2001:db8::10');
    expect(desired!.parsedVip).toBe(service!.parsedVip);
    expect(desired!.parsedVip?.bytes).toHaveLength(16);
    expect(desired!.destinations[0]!.parsed).toBe(service!.destinations[0]!.parsed);
    expect(desired!.destinations[0]!.parsed?.canonical).toBe('2001:db8::11');
  });
});
