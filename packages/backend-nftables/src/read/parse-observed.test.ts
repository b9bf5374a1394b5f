import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceFromChain } from '../names.js';
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

describe('parseObservedState on a table of an earlier lbkit layout (named counters, one backends map; listed by nft 1.0.6)', () => {
  const rendered = JSON.parse(
    readFileSync(new URL('./testdata/rendered.json', import.meta.url), 'utf8'),
  ) as unknown;
  const services = parseObservedState(rendered, { serviceName: serviceFromChain })._unsafeUnwrap()
    .services;
  const byName = new Map(services.map((s) => [s.name, s]));
  const dests = (name: string) =>
    byName.get(name)?.destinations.map((d) => `${d.address}:${d.port} w${d.weight}`);

  it('finds every service by its dispatch element, IPv4 and IPv6', () => {
    expect(services.map((s) => s.name).sort()).toEqual([
      'a_rr',
      'b_wrr',
      'c_sh',
      'd_mh',
      'e_rand',
      'f_empty',
      'g_empty',
      'h_udp',
      'i_v6',
      'j_rrw',
    ]);
    expect(byName.get('i_v6')?.key).toEqual({ vip: '2001:db8::10', port: 80, protocol: 'tcp' });
    expect(byName.get('h_udp')?.key.protocol).toBe('udp');
  });

  it('reads destinations from the shared maps, filtered by service key', () => {
    expect(dests('a_rr')).toEqual(['198.51.100.1:80 w1', '198.51.100.2:8080 w1']);
    expect(dests('b_wrr')).toEqual([
      '198.51.100.1:81 w1',
      '198.51.100.2:81 w2',
      '198.51.100.3:81 w5',
    ]);
    expect(dests('e_rand')).toEqual(['198.51.100.1:84 w2', '198.51.100.2:84 w3']);
    expect(dests('i_v6')).toEqual(['2001:db8:1::1:80 w1', '2001:db8:1::2:80 w1']);
    const mh = byName.get('d_mh')!;
    expect(mh.scheduler).toBe('jhash');
    expect(mh.destinations.reduce((n, d) => n + d.weight, 0)).toBe(7);
    expect(byName.get('a_rr')?.scheduler).toBe('numgen inc');
  });

  it('reads the empty verdicts and the counters', () => {
    expect(byName.get('f_empty')).toMatchObject({ whenEmpty: 'drop', destinations: [] });
    expect(byName.get('g_empty')).toMatchObject({ whenEmpty: 'reject', destinations: [] });
    expect(byName.get('a_rr')).toMatchObject({ packets: 0, bytes: 0 });
    expect(byName.get('a_rr')?.destinations[0]).toMatchObject({ packets: 0, bytes: 0 });
  });
});
