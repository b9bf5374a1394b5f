import { describe, expect, it } from 'vitest';
import { A, B, dest, state, svc, web } from '../testing/fixtures.js';
import { renderChanges } from './changes.js';
import { maglevTable } from './maglev.js';
import { renderRuleset } from './ruleset.js';

describe('renderRuleset validation', () => {
  it.each([
    ['service name', state(svc('bad name"; flush ruleset', '192.0.2.10', 80, [A]))],
    ['destination name', state(web([dest('x y', '192.0.2.11')]))],
    ['destination family', state(web([dest('A', '2001:db8::1')]))],
    ['vip', state(svc('web', '192.0.2.300', 80, [A]))],
    ['port', state(svc('web', '192.0.2.10', 0, [A]))],
    ['weight', state(web([dest('A', '192.0.2.11', 80, 70000)]))],
    ['duplicate destination', state(web([A, dest('A', '192.0.2.12')]))],
    ['duplicate key', state(web(), svc('web2', '192.0.2.10', 80, [B]))],
    [
      'duplicate key (same VIP, other spelling)',
      state(
        svc('v6a', '2001:db8::10', 80, [dest('A', '2001:db8::11')]),
        svc('v6b', '2001:DB8:0::10', 80, [dest('A', '2001:db8::11')]),
      ),
    ],
    ['duplicate endpoint', state(web([A, dest('Z', '192.0.2.11')]))],
  ])('rejects an invalid %s with a BackendError', (_what, desired) => {
    expect(renderRuleset(desired)._unsafeUnwrapErr().kind).toBe('rejected');
  });

  it('rejects invalid options', () => {
    expect(renderRuleset(state(), { table: 'a b' })._unsafeUnwrapErr().kind).toBe('rejected');
    expect(renderRuleset(state(), { mhTableSize: 250 })._unsafeUnwrapErr().kind).toBe('rejected');
    expect(renderRuleset(state(), { forwardMark: -1 })._unsafeUnwrapErr().kind).toBe('rejected');
    expect(renderRuleset(state(), { hooks: { prerouting: false } })._unsafeUnwrapErr().kind).toBe(
      'rejected',
    );
  });

  it('renders an SNAT companion without dispatch hooks: only the postrouting chain is hooked', () => {
    const text = renderRuleset(state(), {
      hooks: { prerouting: false },
      masquerade: true,
    })._unsafeUnwrap();
    const hooked = text.split('\n').filter((l) => l.includes(' hook '));
    expect(hooked).toHaveLength(1);
    expect(hooked[0]).toContain('hook postrouting');
    expect(text).toContain('masquerade');
  });

  it('rejects a snat address of the wrong family, a hostile one, none, or snat with masquerade', () => {
    const bad = [
      { snat: { ipv4: '2001:db8::1' } },
      { snat: { ipv6: '198.51.100.1' } },
      { snat: { ipv4: '198.51.100.1; flush ruleset' } },
      { snat: {} },
      { snat: { ipv4: '198.51.100.1' }, masquerade: true },
    ];
    for (const options of bad) {
      const error = renderRuleset(state(web()), options)._unsafeUnwrapErr();
      expect(error.kind).toBe('rejected');
      expect(error.message).toMatch(/snat/);
    }
  });

  it('lc and wlc are unsupported', () => {
    for (const scheduler of ['lc', 'wlc'] as const) {
      expect(renderRuleset(state(web([A], { scheduler })))._unsafeUnwrapErr().kind).toBe(
        'unsupported',
      );
    }
  });

  it('forward route and tunnel are unsupported (DNAT is NAT); nat renders', () => {
    for (const forward of ['route', 'tunnel'] as const) {
      const error = renderRuleset(state({ ...web([A]), forward }))._unsafeUnwrapErr();
      expect(error.kind).toBe('unsupported');
      expect(error.message).toContain(`forward ${forward} needs IPVS`);
    }
    expect(renderRuleset(state({ ...web([A]), forward: 'nat' })).isOk()).toBe(true);
  });

  it('starts with a create-delete-create of the table (one transaction, no empty window)', () => {
    const lines = renderRuleset(state(web()), { table: 'lb1' })._unsafeUnwrap().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'add table inet lb1 { comment "managed by lbkit" ; }',
      'delete table inet lb1',
      'add table inet lb1 { comment "managed by lbkit" ; }',
    ]);
  });

  it('wrr reduces weights by their gcd (exact ratios, 2:4:6 -> mod 6)', () => {
    const s = renderRuleset(
      state(
        web(
          [
            dest('A', '192.0.2.11', 80, 2),
            dest('B', '192.0.2.12', 80, 4),
            dest('C', '192.0.2.13', 80, 6),
          ],
          { scheduler: 'wrr' },
        ),
      ),
    )._unsafeUnwrap();
    expect(s).toContain('numgen inc mod 6 map @slots4_tcp');
    expect(s).toContain(
      '192.0.2.10 . 80 . 0 : 192.0.2.11 . 80, 192.0.2.10 . 80 . 1 : 192.0.2.12 . 80, 192.0.2.10 . 80 . 2 : 192.0.2.12 . 80, 192.0.2.10 . 80 . 3 : 192.0.2.13 . 80',
    );
  });
});

describe('renderChanges', () => {
  it('is empty when nothing changed', () => {
    expect(renderChanges(state(web()), state(web()))._unsafeUnwrap()).toBe('');
  });

  it('a flip touches only the changed service, whatever the number of services', () => {
    const many = (n: number, down: boolean) =>
      state(
        ...Array.from({ length: n }, (_, i) =>
          svc(`s${i}`, `192.0.2.${(i % 250) + 1}`, 1000 + i, [A, B]),
        ),
        web(down ? [A] : [A, B]),
      );
    const small = renderChanges(many(10, false), many(10, true))._unsafeUnwrap();
    const big = renderChanges(many(1000, false), many(1000, true))._unsafeUnwrap();
    expect(big).toBe(small);
    expect(big).not.toMatch(/svc_s\d/);
  });

  it.each([
    ['rr', 3, 2],
    ['rr', 3, 1],
    ['rr', 1, 0],
    ['rr', 2, 0],
    ['sh', 3, 1],
    ['random', 2, 3],
    ['mh', 3, 2],
    ['rr', 6, 5],
    ['rr', 8, 7],
  ] as const)(
    '%s: %i -> %i live destinations touches only elements, never a rule',
    (scheduler, from, to) => {
      const dests = (n: number) =>
        Array.from({ length: n }, (_, i) => dest(`d${i}`, `192.0.2.${i + 11}`));
      const delta = renderChanges(
        state(web(dests(from), { scheduler })),
        state(web(dests(to), { scheduler })),
      )._unsafeUnwrap();
      expect(delta).not.toMatch(/rule|chain/);
      expect(delta).toMatch(/element/);
    },
  );

  it('crossing a slot class (3 -> 4, 4 -> 5 destinations) or changing weights rewrites the rule', () => {
    const dests = (n: number) =>
      Array.from({ length: n }, (_, i) => dest(`d${i}`, `192.0.2.${i + 11}`));
    const four = renderChanges(state(web(dests(3))), state(web(dests(4))))._unsafeUnwrap();
    expect(four).toContain('flush chain inet lbkit svc_web');
    expect(four).toContain('numgen inc mod 12 map @slots4_tcp');
    const grow = renderChanges(state(web(dests(4))), state(web(dests(5))))._unsafeUnwrap();
    expect(grow).toContain('flush chain inet lbkit svc_web');
    expect(grow).toContain('numgen inc mod 60 map @slots4_tcp');
    const weights = renderChanges(
      state(
        web([dest('A', '192.0.2.11', 80, 1), dest('B', '192.0.2.12', 80, 2)], { scheduler: 'wrr' }),
      ),
      state(
        web([dest('A', '192.0.2.11', 80, 1), dest('B', '192.0.2.12', 80, 3)], { scheduler: 'wrr' }),
      ),
    )._unsafeUnwrap();
    expect(weights).toContain('numgen inc mod 4 map @slots4_tcp');
  });
});

describe('maglev', () => {
  it('fills every slot, balanced, and depends on names not order', () => {
    const e = ['A', 'B', 'C'].map((name) => ({ name, weight: 1 }));
    const t1 = maglevTable(e, 251);
    const t2 = maglevTable([...e].reverse(), 251).map((i) => 2 - i);
    expect(t1).toEqual(t2);
    for (let i = 0; i < 3; i++) expect(t1.filter((x) => x === i).length).toBeGreaterThanOrEqual(83);
  });
  it('honours weights', () => {
    const t = maglevTable(
      [
        { name: 'A', weight: 3 },
        { name: 'B', weight: 1 },
      ],
      251,
    );
    const a = t.filter((x) => x === 0).length;
    expect(a).toBeGreaterThan(180);
    expect(a).toBeLessThan(195);
  });
});
