import { changedEntries, type DesiredService, type DesiredState } from '@lbkit/core';
import { createPlannedStates, modelService } from '@lbkit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  changedServices,
  desiredLines,
  diffStates,
  driftBetween,
  staleUdpFlows,
} from './state-diff.js';

const svc = (
  name: string,
  port: number,
  dests: [string, number][],
  protocol: 'tcp' | 'udp' = 'tcp',
): DesiredService => ({
  name,
  key: { vip: '192.0.2.10', port, protocol },
  scheduler: 'rr',
  whenEmpty: 'reject',
  persistence: 0,
  destinations: dests.map(([n, w]) => ({
    name: n,
    address: `198.51.100.${n.slice(1)}`,
    port,
    weight: w,
  })),
});
const state = (...services: DesiredService[]): DesiredState => ({ services });

describe('backend state helpers', () => {
  it('lists only the services that changed', () => {
    const a = state(
      svc('web', 80, [
        ['d1', 1],
        ['d2', 1],
      ]),
      svc('dns', 53, [['d1', 1]], 'udp'),
    );
    const b = state(
      svc('web', 80, [['d1', 1]]),
      svc('dns', 53, [['d1', 1]], 'udp'),
      svc('new', 81, []),
    );
    expect(changedServices(a, b)).toEqual(['new', 'web']);
    expect(changedServices(b, state())).toEqual(['dns', 'new', 'web']);
    expect(changedServices(undefined, a)).toEqual(['dns', 'web']);
    expect(changedServices(a, a)).toEqual([]);
  });

  it('finds stale UDP flows of removed, drained and deleted destinations only', () => {
    const a = state(
      svc(
        'dns',
        53,
        [
          ['d1', 1],
          ['d2', 1],
          ['d3', 1],
        ],
        'udp',
      ),
      svc('web', 80, [['d1', 1]]),
    );
    const b = state(
      svc(
        'dns',
        53,
        [
          ['d1', 1],
          ['d2', 0],
        ],
        'udp',
      ),
      svc('web', 80, []),
    );
    expect(staleUdpFlows(a, b).map((f) => f.address)).toEqual(['198.51.100.2', '198.51.100.3']);
    expect(staleUdpFlows(a, state()).map((f) => f.address)).toHaveLength(3);
    expect(staleUdpFlows(undefined, a)).toEqual([]);
  });

  it('detects drift in destinations and verdicts', () => {
    const applied = state(
      svc('web', 80, [
        ['d1', 1],
        ['d2', 0],
      ]),
      svc('mail', 25, []),
    );
    expect(desiredLines(applied)).toEqual([
      '192.0.2.10:25/tcp (empty reject)',
      '192.0.2.10:80/tcp -> 198.51.100.1:80',
    ]);
    const web = {
      key: applied.services[0]!.key,
      destinations: [{ address: '198.51.100.1', port: 80, weight: 1 }],
    };
    const mail = { key: applied.services[1]!.key, whenEmpty: 'reject' as const, destinations: [] };
    expect(driftBetween(applied, { services: [web, mail] })).toEqual([]);
    expect(driftBetween(applied, { services: [web] })).toEqual([
      '- 192.0.2.10:25/tcp (empty reject)',
    ]);
    expect(driftBetween(applied, { services: [web, { ...mail, whenEmpty: 'drop' }] })).toHaveLength(
      2,
    );
    const extra = {
      ...web,
      destinations: [...web.destinations, { address: '198.51.100.9', port: 80, weight: 1 }],
    };
    expect(driftBetween(applied, { services: [extra, mail] })).toEqual([
      '+ 192.0.2.10:80/tcp -> 198.51.100.9:80',
    ]);
  });
});

describe('diffStates', () => {
  it('shares unchanged objects between states and still finds every change', () => {
    const many = Array.from({ length: 50 }, (_, i) =>
      svc(`s${String(i).padStart(2, '0')}`, 1000 + i, [['d1', 1]]),
    );
    const before = state(...many);
    expect(diffStates(undefined, before).changed).toHaveLength(50);
    // In place: one service replaced by a changed copy, everything else shared.
    const flipped = [...many];
    flipped[20] = { ...many[20]!, destinations: [] };
    expect(diffStates(before, state(...flipped)).changed).toEqual(['s20']);
    // The same objects in another order: nothing changed (the new order is sorted first).
    const shuffled = [...many].reverse();
    expect(diffStates(before, state(...shuffled)).changed).toEqual([]);
    // A swap of two neighbours inside shared objects is noticed as unsorted, not trusted.
    const swapped = [...many];
    [swapped[10], swapped[11]] = [swapped[11]!, swapped[10]!];
    swapped[30] = { ...many[30]!, scheduler: 'sh' };
    expect(diffStates(before, state(...swapped)).changed).toEqual(['s30']);
    // s02 moved to the front, s00 gone: s01 sits where it was, its neighbour did not.
    const moved = [many[2]!, many[1]!, ...many.slice(3)];
    expect(diffStates(before, state(...moved)).changed).toEqual(['s00']);
    // Added and removed around shared objects.
    const added = [...many.slice(0, 5), svc('s04b', 2000, [['d1', 1]]), ...many.slice(6)];
    expect(diffStates(before, state(...added)).changed).toEqual(['s04b', 's05']);
    // A copy with equal fields is unchanged too (field by field).
    expect(diffStates(before, state(...many.map((m) => ({ ...m })))).changed).toEqual([]);
  });

  it('keeps only the services a change touches, also with unsorted input', () => {
    const web = svc('web', 80, [
      ['d1', 1],
      ['d2', 1],
    ]);
    const dns = svc('dns', 53, [['d1', 1]], 'udp');
    const mail = svc('mail', 25, [['d1', 1]]);
    const flipped = svc('web', 80, [['d1', 1]]);
    const delta = diffStates(
      state(dns, mail, web),
      state(web, svc('dns', 53, [['d1', 1]], 'udp'), svc('zz', 9, [])),
    );
    expect(delta.changed).toEqual(['mail', 'zz']);
    expect(delta.previous.services.map((s) => s.name)).toEqual(['mail']);
    expect(delta.next.services.map((s) => s.name)).toEqual(['zz']);
    const flip = diffStates(state(dns, mail, web), state(dns, mail, flipped));
    expect(flip.previous.services).toEqual([web]);
    expect(flip.next.services).toEqual([flipped]);
    expect(diffStates(undefined, state(web)).changed).toEqual(['web']);
  });

  it('sees every field: weight, port, scheduler, verdict', () => {
    const base = svc('web', 80, [['d1', 1]]);
    const variants = [
      { ...base, scheduler: 'wrr' as const },
      { ...base, whenEmpty: 'drop' as const },
      { ...base, key: { ...base.key, port: 81 } },
      { ...base, destinations: [{ ...base.destinations[0]!, weight: 2 }] },
      { ...base, destinations: [{ ...base.destinations[0]!, port: 8080 }] },
    ];
    for (const v of variants) expect(diffStates(state(base), state(v)).changed).toEqual(['web']);
    expect(
      diffStates(state(base), state({ ...base, destinations: [...base.destinations] })).changed,
    ).toEqual([]);
  });

  it('diffs a state derived by replan() through its replaced entries only, with the same result', () => {
    const destinations = ['d1', 'd2'].map((n, i) => ({
      name: n,
      address: `198.51.100.${i + 1}`,
      port: 80,
      weight: 1,
    }));
    const states = createPlannedStates(
      ['a', 'b', 'c', 'd'].map((n, i) =>
        modelService(n, { vip: '192.0.2.10', port: 80 + i, protocol: 'tcp' }, destinations),
      ),
    );
    const first = states.state;
    // c is re-planned too, to an equal entry: replaced, but not a change.
    const next = states.change([{ service: 'b', destination: 'd2', health: 'down' }], ['c']);
    expect(changedEntries(first, next)).toEqual([1, 2]);
    const derived = diffStates(first, next);
    const compared = diffStates(first, { services: [...next.services] });
    expect(derived).toEqual(compared);
    expect(derived.changed).toEqual(['b']);
    expect(derived.next.services.map((x) => x.destinations.length)).toEqual([1]);
  });
});
