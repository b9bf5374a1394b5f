import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DestinationConfig, ServiceConfig, ServiceId } from '../client/types.js';
import { formatDestinationId, formatServiceId } from '../client/types.js';
import { applyOps, diff, formatOp, type IpvsSnapshot, type ServiceState } from './diff.js';
import { toIpvsSnapshot } from './map-desired.js';

const rr: ServiceConfig = { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 };
const nat = (weight = 1): DestinationConfig => ({
  forward: 'masquerade',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
});
const sid = (port: number): ServiceId => ({
  family: 4,
  protocol: 'tcp',
  address: '192.0.2.10',
  port,
});
const svc = (port: number, dests: Array<[number, number]>, config = rr): ServiceState => ({
  id: sid(port),
  config,
  destinations: dests.map(([n, w]) => ({
    id: { family: 4, address: `198.51.100.${n}`, port },
    config: nat(w),
  })),
});
const snap = (...services: ServiceState[]): IpvsSnapshot => ({ services });

describe('diff(current, desired)', () => {
  const table: Array<[string, IpvsSnapshot, IpvsSnapshot, string[]]> = [
    ['empty to empty', snap(), snap(), []],
    [
      'creates a service, then its destinations',
      snap(),
      snap(
        svc(80, [
          [1, 1],
          [2, 1],
        ]),
      ),
      [
        'create-service tcp/192.0.2.10:80 rr',
        'create-destination tcp/192.0.2.10:80 198.51.100.1:80 w1',
        'create-destination tcp/192.0.2.10:80 198.51.100.2:80 w1',
      ],
    ],
    ['in sync: nothing', snap(svc(80, [[1, 1]])), snap(svc(80, [[1, 1]])), []],
    [
      'flip: adds the new destination before removing the old one',
      snap(
        svc(80, [
          [1, 1],
          [2, 1],
        ]),
      ),
      snap(
        svc(80, [
          [2, 1],
          [3, 1],
        ]),
      ),
      [
        'create-destination tcp/192.0.2.10:80 198.51.100.3:80 w1',
        'remove-destination tcp/192.0.2.10:80 198.51.100.1:80',
      ],
    ],
    [
      'drain is a weight update',
      snap(
        svc(80, [
          [1, 1],
          [2, 1],
        ]),
      ),
      snap(
        svc(80, [
          [1, 1],
          [2, 0],
        ]),
      ),
      ['update-destination tcp/192.0.2.10:80 198.51.100.2:80 w0'],
    ],
    [
      'scheduler change is a service update, flag order does not matter',
      snap(svc(80, [[1, 1]], { ...rr, flags: ['sched-2', 'sched-1'] })),
      snap(svc(80, [[1, 1]], { ...rr, scheduler: 'sh', flags: ['sched-1', 'sched-2'] })),
      ['update-service tcp/192.0.2.10:80 sh'],
    ],
    [
      'removals come last; a removed service takes its destinations',
      snap(svc(25, [[1, 1]]), svc(80, [[1, 1]])),
      snap(svc(80, [[1, 2]]), svc(443, [])),
      [
        'create-service tcp/192.0.2.10:443 rr',
        'update-destination tcp/192.0.2.10:80 198.51.100.1:80 w2',
        'remove-service tcp/192.0.2.10:25',
      ],
    ],
  ];
  it.each(table)('%s', (_title, current, desired, expected) => {
    const ops = diff(current, desired);
    expect(ops.map(formatOp)).toEqual(expected);
    expect(diff(applyOps(current, ops), desired)).toEqual([]);
  });

  const arbSnap = fc
    .uniqueArray(fc.integer({ min: 1, max: 6 }), { maxLength: 4 })
    .chain((ports) =>
      fc.tuple(
        ...ports.map((port) =>
          fc
            .uniqueArray(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 })), {
              selector: ([n]) => n,
              maxLength: 4,
            })
            .chain((dests) =>
              fc
                .constantFrom('rr', 'wrr')
                .map((scheduler) => svc(port, dests, { ...rr, scheduler })),
            ),
        ),
      ),
    )
    .map((services) => snap(...services));

  const canonical = (s: IpvsSnapshot) =>
    s.services
      .map(
        (x) =>
          `${formatServiceId(x.id)} ${x.config.scheduler} ${x.destinations
            .map((d) => `${formatDestinationId(d.id)}w${d.config.weight}`)
            .sort()
            .join(',')}`,
      )
      .sort();

  it('converges and is idempotent for any pair of states (property)', () => {
    fc.assert(
      fc.property(arbSnap, arbSnap, (current, desired) => {
        const ops = diff(current, desired);
        const after = applyOps(current, ops);
        expect(canonical(after)).toEqual(canonical(desired));
        expect(diff(after, desired)).toEqual([]);
        const phases = ops.map((o) => o.op);
        const lastCreate = Math.max(
          phases.lastIndexOf('create-service'),
          phases.lastIndexOf('create-destination'),
        );
        const firstRemove = phases.findIndex((p) => p.startsWith('remove'));
        if (firstRemove >= 0) expect(lastCreate).toBeLessThan(firstRemove);
        // Within a phase, by service id, then destination id (as text).
        const PHASES = [
          'create-service',
          'create-destination',
          'update-service',
          'update-destination',
          'remove-destination',
          'remove-service',
        ];
        const order = (o: (typeof ops)[number]) =>
          `${PHASES.indexOf(o.op)} ${formatServiceId(o.service)} ${'destination' in o ? formatDestinationId(o.destination) : ''}`;
        const keys = ops.map(order);
        expect(keys).toEqual([...keys].sort());
      }),
    );
  });
});

describe('diff by identity', () => {
  it('skips a service that is the same object on both sides without reading its destinations', () => {
    const kept = svc(80, [[1, 1]]);
    const untouchable: ServiceState = {
      ...kept,
      get destinations(): ServiceState['destinations'] {
        throw new Error('destinations of an unchanged service were read');
      },
    };
    const flipped = svc(81, [[1, 1]]);
    const ops = diff(
      snap(
        untouchable,
        svc(81, [
          [1, 1],
          [2, 1],
        ]),
      ),
      snap(untouchable, flipped),
    );
    expect(ops.map(formatOp)).toEqual(['remove-destination tcp/192.0.2.10:81 198.51.100.2:81']);
  });

  it('toIpvsSnapshot with a cache hands an unchanged desired service back as the same object', () => {
    const cache = new WeakMap();
    const service = {
      name: 'web',
      key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' as const },
      scheduler: 'rr' as const,
      whenEmpty: 'reject' as const,
      persistence: 0,
      destinations: [{ name: 'a', address: '198.51.100.1', port: 80, weight: 1 }],
    };
    const changed = { ...service, destinations: [] };
    const first = toIpvsSnapshot({ services: [service] }, {}, cache)._unsafeUnwrap();
    const again = toIpvsSnapshot({ services: [service] }, {}, cache)._unsafeUnwrap();
    const other = toIpvsSnapshot({ services: [changed] }, {}, cache)._unsafeUnwrap();
    expect(again.services[0]).toBe(first.services[0]);
    expect(other.services[0]).not.toBe(first.services[0]);
    expect(diff(first, again)).toEqual([]);
    expect(diff(first, other).map((o) => o.op)).toEqual(['remove-destination']);
  });
});
