import { describe, expect, it } from 'vitest';
import { serviceSlotMap } from '../names.js';
import { renderChanges } from '../render/changes.js';
import { DEFAULT_SLOT_MAP_SHARDS } from '../render/options.js';
import { renderRuleset } from '../render/ruleset.js';
import { DIALECT_PAIRS, parseScript } from '../trace/parse.js';
import { traceState } from '../trace/tracer.js';
import { FakeNft } from './fake-nft.js';
import { A, B, C, dest, state, svc, web, withoutEmptyShards } from './fixtures.js';

const WEB_MAP = serviceSlotMap('web', 4, 'tcp', DEFAULT_SLOT_MAP_SHARDS);

const full = renderRuleset(state(web()))._unsafeUnwrap();

describe('FakeNft', () => {
  it('commits a valid script and replaces its table on a second full apply', async () => {
    const fake = new FakeNft();
    expect((await fake.run(full)).isOk()).toBe(true);
    expect((await fake.run(full)).isOk()).toBe(true);
    expect(fake.state.tables.get('inet lbkit')?.chains.has('svc_web')).toBe(true);
    expect(fake.ruleset()).toContain('add chain inet lbkit svc_web');
  });

  it('a transaction with one bad statement leaves the state unchanged', async () => {
    const fake = new FakeNft();
    await fake.run(full);
    const before = fake.ruleset();
    const bad = [
      'delete element inet lbkit services4 { 192.0.2.10 . tcp . 80 }',
      'add element inet lbkit services4 { 192.0.2.99 . tcp . 80 : goto svc_nope }',
    ].join('\n');
    const r = await fake.run(bad);
    expect(r._unsafeUnwrapErr().kind).toBe('rejected');
    expect(fake.ruleset()).toBe(before);
    expect(fake.state.tables.get('inet lbkit')?.maps.get('services4')?.elements.size).toBe(1);
  });

  it.each([
    ['unknown chain', 'add rule inet lbkit nope drop'],
    ['unknown map', 'add element inet lbkit nope { 1 : 2 }'],
    ['unknown table', 'add chain inet other c'],
    [
      'element exists with other data',
      `add element inet lbkit ${WEB_MAP} { 192.0.2.10 . 80 . 0 : 192.0.2.99 . 80 }`,
    ],
    ['delete missing element', `delete element inet lbkit ${WEB_MAP} { 192.0.2.10 . 80 . 70 }`],
    ['delete referenced chain', 'delete chain inet lbkit svc_web'],
    ['not our dialect', 'insert rule inet lbkit svc_web drop'],
  ])('rejects: %s', async (_why, line) => {
    const fake = new FakeNft();
    await fake.run(full);
    const before = fake.ruleset();
    expect((await fake.run(`${line}\n`))._unsafeUnwrapErr().kind).toBe('rejected');
    expect(fake.ruleset()).toBe(before);
  });

  it('has a case for every (verb, object) pair of the dialect (knftables style)', async () => {
    const samples: Record<string, string> = {
      'add table': 'add table inet x',
      'delete table': 'delete table inet x',
      'add chain': 'add chain inet x c',
      'delete chain': 'delete chain inet x c',
      'flush chain': 'flush chain inet x c',
      'add rule': 'add rule inet x c drop',
      'add map': 'add map inet x m { type ipv4_addr : verdict ; }',
      'add set': 'add set inet x s { type ipv4_addr ; }',
      'add element': 'add element inet x s { 192.0.2.1 }',
      'delete element': 'delete element inet x s { 192.0.2.1 }',
      'delete map': 'delete map inet x m',
      'delete set': 'delete set inet x s',
    };
    const order = [
      'add table',
      'add chain',
      'add rule',
      'flush chain',
      'add map',
      'add set',
      'add element',
      'delete element',
      'delete map',
      'delete set',
      'delete chain',
      'delete table',
    ];
    for (const [verb, object] of DIALECT_PAIRS) expect(order).toContain(`${verb} ${object}`);
    const fake = new FakeNft();
    for (const pair of order) {
      const r = await fake.run(`${samples[pair]}\n`);
      expect(r.isOk(), `${pair}: ${r.isErr() ? r.error.message : ''}`).toBe(true);
    }
  });

  it('every pair that the renderer emits is a dialect pair', () => {
    const scripts = [
      full,
      renderRuleset(state(web(), svc('d', '2001:db8::1', 53, [], { protocol: 'udp' })), {
        masquerade: true,
        forwardMark: 7,
        hooks: { output: true },
        counters: false,
      })._unsafeUnwrap(),
      renderChanges(
        state(web(), svc('m', '192.0.2.25', 25, [A])),
        state(web([A, dest('B', '192.0.2.12', 80, 0)])),
      )._unsafeUnwrap(),
      renderRuleset(state(web([A, B], { persistence: 2 })))._unsafeUnwrap(),
      renderChanges(
        state(web([A, B], { persistence: 2 }), svc('m', '192.0.2.25', 25, [A], { persistence: 9 })),
        state(web([A], { persistence: 3 })),
      )._unsafeUnwrap(),
    ];
    const known = new Set(DIALECT_PAIRS.map(([v, o]) => `${v} ${o}`));
    for (const s of scripts) {
      for (const cmd of parseScript(s)._unsafeUnwrap())
        expect(known).toContain(`${cmd.verb} ${cmd.object}`);
    }
  });

  it('incremental changes reach the same state as a full render', async () => {
    const steps = [
      state(web()),
      state(web([A, C])),
      state(web([A, C]), svc('mail', '192.0.2.25', 25, [A, B])),
      state(web([A, dest('B', '192.0.2.12', 80, 0), C], { scheduler: 'wrr' })),
      state(web([], { whenEmpty: 'drop' })),
      state(),
    ];
    const inc = new FakeNft();
    await inc.run(renderRuleset(steps[0]!)._unsafeUnwrap());
    for (let i = 1; i < steps.length; i++) {
      const delta = renderChanges(steps[i - 1]!, steps[i]!)._unsafeUnwrap();
      const r = await inc.run(delta);
      expect(r.isOk(), r.isErr() ? r.error.message : '').toBe(true);
      const ref = new FakeNft();
      await ref.run(renderRuleset(steps[i]!)._unsafeUnwrap());
      expect(withoutEmptyShards(inc.ruleset())).toBe(withoutEmptyShards(ref.ruleset()));
    }
  });

  it('feeds the tracer', async () => {
    const fake = new FakeNft();
    await fake.run(full);
    await fake.run(renderChanges(state(web()), state(web([B])))._unsafeUnwrap());
    const r = traceState(fake.state, {
      family: 4,
      saddr: '198.51.100.2',
      daddr: '192.0.2.10',
      protocol: 'tcp',
      dport: 80,
    });
    expect(r._unsafeUnwrap()).toEqual({
      verdict: 'dnat',
      destinations: new Set(['192.0.2.12:80']),
    });
  });

  it('reads back what it holds, and close() is final', async () => {
    const fake = new FakeNft();
    await fake.run(full);
    const [web] = (await fake.read())._unsafeUnwrap().services;
    expect(web).toMatchObject({
      key: { vip: '192.0.2.10', port: 80, protocol: 'tcp' },
      name: 'web',
      scheduler: 'numgen inc',
      whenEmpty: 'reject',
    });
    expect(web!.destinations.map((d) => `${d.address}:${d.port} w${d.weight}`)).toEqual([
      '192.0.2.11:80 w1',
      '192.0.2.12:80 w1',
      '192.0.2.13:80 w1',
    ]);
    fake.close();
    fake.close();
    expect((await fake.run(full))._unsafeUnwrapErr().kind).toBe('closed');
  });
});
