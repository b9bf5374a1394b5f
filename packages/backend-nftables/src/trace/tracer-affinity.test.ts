import { describe, expect, it } from 'vitest';
import { renderChanges } from '../render/changes.js';
import { renderRuleset } from '../render/ruleset.js';
import { A, B, C, dest, state, svc, web } from '../testing/fixtures.js';
import { parseScript } from './parse.js';
import { applyCommands, EMPTY_NFT_STATE, type NftState, rememberClient } from './state.js';
import { type TracePacket, type TraceResult, traceState } from './tracer.js';

const pkt = (saddr = '198.51.100.2', over: Partial<TracePacket> = {}): TracePacket => ({
  family: 4,
  saddr,
  daddr: '192.0.2.10',
  protocol: 'tcp',
  dport: 80,
  ...over,
});
const where = (r: TraceResult): string[] | string =>
  r.verdict === 'dnat' ? [...r.destinations].sort() : r.verdict;
const apply = (from: NftState, script: string): NftState =>
  parseScript(script)
    .andThen((c) => applyCommands(from, c))
    ._unsafeUnwrap();
const sticky = (destinations = [A, B, C]) => web(destinations, { persistence: 2 });
const ALL = ['192.0.2.11:80', '192.0.2.12:80', '192.0.2.13:80'];

/** The kernel's first packet: the scheduler picked `to`; its path records the client. */
function firstPacketTo(s: NftState, saddr: string, to: string): NftState {
  const r = traceState(s, pkt(saddr))._unsafeUnwrap();
  if (r.verdict !== 'dnat') throw new Error(`not dnat: ${r.verdict}`);
  const set = r.affinity?.get(to);
  if (!set) throw new Error(`no affinity set for ${to}`);
  return rememberClient(s, set, saddr);
}

describe('trace with persistence', () => {
  const full = apply(EMPTY_NFT_STATE, renderRuleset(state(sticky()))._unsafeUnwrap());

  it('a first packet may go anywhere the scheduler picks, and says where each path records the client', () => {
    const r = traceState(full, pkt())._unsafeUnwrap();
    expect(where(r)).toEqual(ALL);
    expect(r.verdict === 'dnat' && Object.fromEntries(r.affinity ?? [])).toEqual({
      '192.0.2.11:80': 'aff3_web_A',
      '192.0.2.12:80': 'aff3_web_B',
      '192.0.2.13:80': 'aff3_web_C',
    });
  });

  it('a second packet from the same client follows the first; other clients still spread', () => {
    const after = firstPacketTo(full, '198.51.100.2', '192.0.2.12:80');
    expect(where(traceState(after, pkt())._unsafeUnwrap())).toEqual(['192.0.2.12:80']);
    expect(where(traceState(after, pkt('198.51.100.3'))._unsafeUnwrap())).toEqual(ALL);
    // Without persistence the same client may go anywhere again.
    const plain = apply(EMPTY_NFT_STATE, renderRuleset(state(web()))._unsafeUnwrap());
    expect(where(traceState(plain, pkt())._unsafeUnwrap())).toEqual(ALL);
  });

  it('when its destination leaves, the client is placed again at once; clients of the others stay', () => {
    let s = firstPacketTo(full, '198.51.100.2', '192.0.2.12:80'); // on B
    s = firstPacketTo(s, '198.51.100.3', '192.0.2.13:80'); // on C
    s = apply(s, renderChanges(state(sticky()), state(sticky([A, C])))._unsafeUnwrap());
    expect(where(traceState(s, pkt())._unsafeUnwrap())).toEqual(['192.0.2.11:80', '192.0.2.13:80']);
    expect(where(traceState(s, pkt('198.51.100.3'))._unsafeUnwrap())).toEqual(['192.0.2.13:80']);
    // B comes back with an empty set: its old client is not sent back to it.
    s = apply(s, renderChanges(state(sticky([A, C])), state(sticky()))._unsafeUnwrap());
    expect(where(traceState(s, pkt())._unsafeUnwrap())).toEqual(ALL);
    expect(where(traceState(s, pkt('198.51.100.3'))._unsafeUnwrap())).toEqual(['192.0.2.13:80']);
  });

  it('a timeout change renews the sets: every client is placed again', () => {
    let s = firstPacketTo(full, '198.51.100.2', '192.0.2.11:80');
    const longer = web([A, B, C], { persistence: 60 });
    s = apply(s, renderChanges(state(sticky()), state(longer))._unsafeUnwrap());
    expect(where(traceState(s, pkt())._unsafeUnwrap())).toEqual(ALL);
  });

  it('with sh (IPv6, UDP) the first packet has one destination, and records it', () => {
    const dns6 = svc(
      'dns6',
      '2001:db8::53',
      53,
      [dest('A', '2001:db8::11', 53), dest('B', '2001:db8::12', 53)],
      {
        protocol: 'udp',
        scheduler: 'sh',
        persistence: 300,
      },
    );
    const s = apply(EMPTY_NFT_STATE, renderRuleset(state(dns6))._unsafeUnwrap());
    const p = pkt('2001:db8:1::7', {
      family: 6,
      daddr: '2001:db8::53',
      protocol: 'udp',
      dport: 53,
    });
    const r = traceState(s, p)._unsafeUnwrap();
    expect(r.verdict === 'dnat' && r.destinations.size).toBe(1);
    const to = r.verdict === 'dnat' ? [...r.destinations][0]! : '';
    expect(to).toMatch(/^\[2001:db8::1[12]\]:53$/);
    // The other destination's set holds the client (as after a flip back): it follows.
    const other = to.includes('::11') ? 'aff4_dns6_B' : 'aff4_dns6_A';
    const moved = rememberClient(s, other, '2001:db8:1::7');
    expect(where(traceState(moved, p)._unsafeUnwrap())).toEqual([
      to.includes('::11') ? '[2001:db8::12]:53' : '[2001:db8::11]:53',
    ]);
  });

  it('a client forgotten (its timeout passed: the kernel drops the element) is placed again', () => {
    const s = firstPacketTo(full, '198.51.100.2', '192.0.2.12:80');
    const expired = apply(s, 'delete element inet lbkit aff3_web_B { 198.51.100.2 }\n');
    expect(where(traceState(expired, pkt())._unsafeUnwrap())).toEqual(ALL);
  });

  it('a service whose destinations are all down gives its empty verdict', () => {
    const s = apply(full, renderChanges(state(sticky()), state(sticky([])))._unsafeUnwrap());
    expect(where(traceState(s, pkt())._unsafeUnwrap())).toBe('reject');
  });
});
