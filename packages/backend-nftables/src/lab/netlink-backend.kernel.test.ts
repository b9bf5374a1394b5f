import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import { parseObservedState } from '../read/parse-observed.js';
import { dest, state, svc, web } from '../testing/fixtures.js';
import { withFallback } from '../transport/fallback.js';
import { createNetlinkTransport } from '../transport/netlink.js';
import { openNftCli } from '../transport/nft-cli.js';
import { createLibnftablesTransport, createNftCliTransport } from '../transport/text-transport.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);
const A = dest('A', '192.0.2.11');
const B = dest('B', '192.0.2.12', 8080);
const C = dest('C', '192.0.2.13');
const D = dest('D', '192.0.2.14');
const X = dest('X', '2001:db8::11', 53);
const Y = dest('Y', '2001:db8::12', 5353);
const dns = (ds = [X, Y]) =>
  svc('dns', '2001:db8::10', 53, ds, { protocol: 'udp', scheduler: 'sh' });
const mh = (ds = [A, B, C]) => svc('maglev', '192.0.2.20', 443, ds, { scheduler: 'mh' });

const before = state(web([A, B, C]), dns(), mh());
const after = state(web([A, C]), dns([Y]), mh([A, C]));

describe.skipIf(skip)(`backend writing through netlink${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkn');
  let netns = '';
  beforeAll(async () => {
    netns = await lab.add('nlbe');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it('sends first applies, flips and rule changes as netlink batches, and repairs a refused one', async () => {
    const reader = openNftCli({ netns })._unsafeUnwrap();
    const backend = createNftablesBackend({ netns, conntrack: false })._unsafeUnwrap();
    expect(backend.transport).toBe('netlink+libnftables');
    const observed = async () =>
      parseObservedState(
        (await reader.json('list table inet lbkit'))._unsafeUnwrap(),
      )._unsafeUnwrap();
    const webOf = async () => (await observed()).services.find((s) => s.key.vip === '192.0.2.10')!;
    const first = (await backend.apply(before))._unsafeUnwrap();
    expect([first.mode, first.path, first.warnings]).toEqual(['full', 'netlink', []]);
    const flip = (await backend.apply(after))._unsafeUnwrap();
    expect([flip.mode, flip.path, flip.warnings]).toEqual(['changes', 'netlink', []]);
    expect((await webOf()).destinations.map((d) => d.address).sort()).toEqual([
      '192.0.2.11',
      '192.0.2.13',
    ]);
    // A rule change (slot class 3 -> 4 destinations: 6 -> 12 slots) goes the same way.
    const four = state(web([A, B, C, D]), dns([Y]), mh([A, C]));
    const ruleChange = (await backend.apply(four))._unsafeUnwrap();
    expect([ruleChange.mode, ruleChange.path]).toEqual(['changes', 'netlink']);
    expect((await webOf()).destinations).toHaveLength(4);
    // Someone deletes an element under us: the batch is refused, the apply rewrites the table.
    const gone =
      'delete element inet lbkit flows6 { 2001:db8::10 . udp . 53 . 2001:db8::12 . 5353 }\n';
    (await reader.run(gone))._unsafeUnwrap();
    const repaired = (
      await backend.apply(state(four.services[0]!, dns([]), mh([A, C])))
    )._unsafeUnwrap();
    expect([repaired.mode, repaired.path]).toEqual(['full', 'netlink']);
    expect(repaired.drift.join()).toMatch(/refused.*ENOENT/);
    expect((await webOf()).destinations).toHaveLength(4);
    const dnsObserved = (await observed()).services.find((s) => s.key.vip === '2001:db8::10')!;
    expect(dnsObserved.destinations).toEqual([]);
    (await backend.close())._unsafeUnwrap();
    expect((await reader.json('list table inet lbkit'))._unsafeUnwrapErr().message).toMatch(
      /No such file/,
    );
    reader.close();
  });

  it('reads back what it wrote: destinations, weights, empty verdicts, counters', async () => {
    const ten = state(
      svc('a_rr', '192.0.2.10', 80, [dest('A', '198.51.100.1'), dest('B', '198.51.100.2', 8080)]),
      svc(
        'b_wrr',
        '192.0.2.10',
        81,
        [
          dest('A', '198.51.100.1', 81, 2),
          dest('B', '198.51.100.2', 81, 4),
          dest('C', '198.51.100.3', 81, 10),
        ],
        { scheduler: 'wrr' },
      ),
      svc(
        'c_sh',
        '192.0.2.10',
        82,
        [dest('A', '198.51.100.1', 82), dest('B', '198.51.100.2', 82)],
        { scheduler: 'sh' },
      ),
      svc(
        'd_mh',
        '192.0.2.10',
        83,
        [dest('A', '198.51.100.1', 83), dest('B', '198.51.100.2', 83)],
        { scheduler: 'mh' },
      ),
      svc('f_empty', '192.0.2.10', 85, [], { whenEmpty: 'drop' }),
      svc('g_empty', '192.0.2.10', 86, []),
      svc('h_udp', '192.0.2.10', 53, [dest('A', '198.51.100.1', 53)], {
        protocol: 'udp',
        whenEmpty: 'drop',
      }),
      svc('i_v6', '2001:db8::10', 80, [dest('A', '2001:db8:1::1'), dest('B', '2001:db8:1::2')]),
    );
    const backend = createNftablesBackend({ netns, conntrack: false })._unsafeUnwrap();
    expect((await backend.apply(ten))._unsafeUnwrap().path).toBe('netlink');
    const read = (await backend.read())._unsafeUnwrap().services;
    const byName = new Map(read.map((s) => [s.name, s]));
    const dests = (name: string) =>
      byName.get(name)?.destinations.map((d) => `${d.address}:${d.port} w${d.weight}`);
    expect([...byName.keys()].sort()).toEqual(ten.services.map((s) => s.name).sort());
    expect(dests('a_rr')).toEqual(['198.51.100.1:80 w1', '198.51.100.2:8080 w1']);
    expect(dests('b_wrr')).toEqual([
      '198.51.100.1:81 w1',
      '198.51.100.2:81 w2',
      '198.51.100.3:81 w5',
    ]);
    expect(dests('i_v6')).toEqual(['2001:db8:1::1:80 w1', '2001:db8:1::2:80 w1']);
    expect(byName.get('d_mh')?.scheduler).toBe('jhash');
    // Empty verdicts, for empty services and for the others (from empty4/6).
    expect(byName.get('f_empty')).toMatchObject({ whenEmpty: 'drop', destinations: [] });
    expect(byName.get('g_empty')).toMatchObject({ whenEmpty: 'reject', destinations: [] });
    expect(byName.get('a_rr')?.whenEmpty).toBe('reject');
    expect(byName.get('h_udp')?.whenEmpty).toBe('drop');
    // Counters: the service's on its dispatch element, the destinations' on flows4/6.
    expect(byName.get('a_rr')).toMatchObject({ packets: 0, bytes: 0 });
    expect(byName.get('a_rr')?.destinations[0]).toMatchObject({ packets: 0, bytes: 0 });
    (await backend.close())._unsafeUnwrap();
  });

  it('writes nft text through a text transport', async () => {
    for (const [path, transport] of [
      ['libnftables', createLibnftablesTransport({ netns })._unsafeUnwrap()],
      ['nft-cli', createNftCliTransport({ netns })._unsafeUnwrap()],
    ] as const) {
      const backend = createNftablesBackend({ transport, conntrack: false })._unsafeUnwrap();
      expect((await backend.apply(before))._unsafeUnwrap().path).toBe(path);
      expect((await backend.apply(after))._unsafeUnwrap().path).toBe(path);
      (await backend.close())._unsafeUnwrap();
      transport.close();
    }
  });

  it('sends what netlink cannot encode through nft instead, with a warning', async () => {
    const transport = withFallback(
      createNetlinkTransport({ netns })._unsafeUnwrap(),
      createNftCliTransport({ netns })._unsafeUnwrap(),
    );
    try {
      expect(
        (await transport.write([{ verb: 'add', object: 'table' }]))._unsafeUnwrap(),
      ).toMatchObject({ path: 'netlink', warnings: [] });
      // A set outside the rendered dialect: the encoder refuses it, nft gets the text (and fails).
      const other = { map: 'other4', key: ['192.0.2.1'] };
      const odd = await transport.write([
        { verb: 'add', object: 'element', map: 'other4', elements: [other] },
      ]);
      expect(odd._unsafeUnwrapErr().message).toMatch(/No such file or directory/); // nft's words
      (
        await openNftCli({ netns })
          ._unsafeUnwrap()
          .run('add set inet lbkit other4 { type ipv4_addr ; }\n')
      )._unsafeUnwrap();
      const sent = (
        await transport.write([
          { verb: 'add', object: 'element', map: 'other4', elements: [other] },
        ])
      )._unsafeUnwrap();
      expect(sent.path).toBe('nft-cli');
      expect(sent.warnings).toEqual([
        expect.stringMatching(/^netlink: map other4: unknown layout; sent through nft-cli$/),
      ]);
      expect(
        (await transport.write([{ verb: 'delete', object: 'table' }]))._unsafeUnwrap().path,
      ).toBe('netlink');
    } finally {
      transport.close();
    }
  });
});
