import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseObservedState } from './parse-observed.js';

const fixture = JSON.parse(
  readFileSync(new URL('./testdata/handwritten.json', import.meta.url), 'utf8'),
) as unknown;

describe('parseObservedState', () => {
  it('reads services, destinations, weights, verdicts and counters from nft JSON', () => {
    const state = parseObservedState(fixture, { serviceName: (c) => c.replace(/^svc_/, '') });
    expect(state._unsafeUnwrap().services).toEqual([
      {
        key: { vip: '192.0.2.10', port: 25, protocol: 'tcp' },
        whenEmpty: 'drop',
        destinations: [],
      },
      {
        key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
        name: 'web',
        scheduler: 'numgen random',
        destinations: [
          { address: '198.51.100.1', port: 80, weight: 1 },
          { address: '198.51.100.2', port: 8080, weight: 2 },
          { address: '198.51.100.3', port: 80, weight: 5 },
        ],
        packets: 0,
        bytes: 0,
      },
      {
        key: { vip: '192.0.2.10', port: 53, protocol: 'udp' },
        name: 'dns',
        scheduler: 'jhash',
        destinations: [
          { address: '198.51.100.1', port: 53, weight: 1 },
          { address: '198.51.100.2', port: 53, weight: 1 },
        ],
      },
      {
        key: { vip: '2001:db8::10', port: 80, protocol: 'tcp' },
        name: 'web6',
        scheduler: 'numgen inc',
        destinations: [
          { address: '2001:db8:1::1', port: 80, weight: 1 },
          { address: '2001:db8:1::2', port: 80, weight: 1 },
        ],
      },
    ]);
  });

  it('treats a missing table as empty and rejects non-nft documents', () => {
    expect(parseObservedState({ nftables: [] })._unsafeUnwrap()).toEqual({ services: [] });
    expect(parseObservedState({ nope: 1 })._unsafeUnwrapErr().kind).toBe('parse');
    expect(parseObservedState('x')._unsafeUnwrapErr().kind).toBe('parse');
  });

  it('skips malformed elements instead of throwing', () => {
    const doc = {
      nftables: [
        { table: { family: 'inet', name: 'lbkit' } },
        {
          map: {
            family: 'inet',
            table: 'lbkit',
            name: 'm',
            type: ['ipv4_addr', 'inet_proto', 'inet_service'],
            map: 'verdict',
            elem: [null, [1], [{ concat: ['999.1.1.1', 'tcp', 80] }, { drop: null }], 'x'],
          },
        },
        { rule: { family: 'inet', table: 'lbkit', chain: 'nope', expr: 'bad' } },
      ],
    };
    expect(parseObservedState(doc)._unsafeUnwrap()).toEqual({ services: [] });
  });

  it('follows a jump to a service chain that has no verdict as an undecided empty service', () => {
    const doc = {
      nftables: [
        { table: { family: 'inet', name: 't' } },
        { chain: { family: 'inet', table: 't', name: 'svc' } },
        {
          map: {
            family: 'inet',
            table: 't',
            name: 'm',
            type: ['ipv4_addr', 'inet_proto', 'inet_service'],
            map: 'verdict',
            elem: [[{ concat: ['192.0.2.1', 'udp', 53] }, { goto: { target: 'svc' } }]],
          },
        },
      ],
    };
    expect(parseObservedState(doc, { table: 't' })._unsafeUnwrap().services).toEqual([
      { key: { vip: '192.0.2.1', port: 53, protocol: 'udp' }, destinations: [] },
    ]);
  });
});
