import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend.js';
import { parseObservedState } from '../read/parse-observed.js';
import { renderChangePlan, renderRuleset } from '../render/index.js';
import { FakeNft } from '../testing/fake-nft.js';
import { dest, state, svc, web } from '../testing/fixtures.js';
import { openNfnetlinkElements } from '../transport/nfnetlink-elements.js';
import { createNftCliTransport } from '../transport/nft-cli.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);
const A = dest('A', '192.0.2.11');
const B = dest('B', '192.0.2.12', 8080);
const C = dest('C', '192.0.2.13');
const X = dest('X', '2001:db8::11', 53);
const Y = dest('Y', '2001:db8::12', 5353);
const dns = (ds = [X, Y]) =>
  svc('dns', '2001:db8::10', 53, ds, { protocol: 'udp', scheduler: 'sh' });
const mh = (ds = [A, B, C]) => svc('maglev', '192.0.2.20', 443, ds, { scheduler: 'mh' });

const before = state(web([A, B, C]), dns(), mh());
const after = state(web([A, C]), dns([Y]), mh([A, C]));

/** `nft -j list table` without handles, element order normalised. */
const listing = (doc: unknown): string =>
  JSON.stringify(doc, (k, v) => (k === 'handle' || k === 'metainfo' ? undefined : v));

describe.skipIf(skip)(`netlink element path${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkn');
  const ns: Record<string, string> = {};
  beforeAll(async () => {
    ns.a = await lab.add('nla');
    ns.b = await lab.add('nlb');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it('a flip sent as a netlink batch lists exactly like the same flip sent as nft text', async () => {
    const opts = { table: 'lbkn', mhTableSize: 251 };
    const plan = renderChangePlan(before, after, opts)._unsafeUnwrap();
    expect(plan.elementOps).toBeDefined();
    expect(plan.elementOps!.length).toBeGreaterThanOrEqual(4);
    const full = renderRuleset(before, opts)._unsafeUnwrap();
    const viaNft = createNftCliTransport({ netns: ns.a! })._unsafeUnwrap();
    const viaNl = createNftCliTransport({ netns: ns.b! })._unsafeUnwrap();
    (await viaNft.run(full))._unsafeUnwrap();
    (await viaNl.run(full))._unsafeUnwrap();
    const before2 = listing((await viaNl.json('list table inet lbkn'))._unsafeUnwrap());
    (await viaNft.run(plan.script))._unsafeUnwrap();
    const nl = openNfnetlinkElements({ netns: ns.b! })._unsafeUnwrap();
    nl.apply('lbkn', plan.elementOps!)._unsafeUnwrap();
    const a = listing((await viaNft.json('list table inet lbkn'))._unsafeUnwrap());
    const b = listing((await viaNl.json('list table inet lbkn'))._unsafeUnwrap());
    expect(b).not.toBe(before2);
    expect(b).toBe(a);
    // Back again, and once more: element counters of re-added flows exist.
    const back = renderChangePlan(after, before, opts)._unsafeUnwrap();
    nl.apply('lbkn', back.elementOps!)._unsafeUnwrap();
    (await viaNft.run(back.script))._unsafeUnwrap();
    const a2 = (await viaNft.json('list set inet lbkn flows4'))._unsafeUnwrap();
    const b2 = (await viaNl.json('list set inet lbkn flows4'))._unsafeUnwrap();
    expect(listing(b2)).toBe(listing(a2));
    expect(JSON.stringify(b2)).toContain('"192.0.2.12",8080]},"counter":{"packets":0,"bytes":0}');
    nl.close();
    expect(nl.apply('lbkn', back.elementOps!)._unsafeUnwrapErr().kind).toBe('closed');
    viaNft.close();
    viaNl.close();
  });

  it('a batch the kernel refuses (one missing map) changes nothing', async () => {
    const cli = createNftCliTransport({ netns: ns.b! })._unsafeUnwrap();
    const listed = listing((await cli.json('list table inet lbkn'))._unsafeUnwrap());
    const nl = openNfnetlinkElements({ netns: ns.b! })._unsafeUnwrap();
    const result = nl.apply('lbkn', [
      {
        verb: 'delete',
        map: 'flows4',
        elements: [{ map: 'flows4', key: '192.0.2.10 . tcp . 80 . 192.0.2.11 . 80' }],
      },
      {
        verb: 'add',
        map: 'backends4_tcp_99',
        elements: [
          { map: 'backends4_tcp_99', key: '192.0.2.10 . 80 . 0', value: '192.0.2.11 . 80' },
        ],
      },
    ]);
    expect(result._unsafeUnwrapErr().kind).toBe('rejected');
    expect(result._unsafeUnwrapErr().message).toMatch(/ENOENT/);
    expect(listing((await cli.json('list table inet lbkn'))._unsafeUnwrap())).toBe(listed);
    // A missing element is refused too, and the socket keeps working afterwards.
    const missing = nl.apply('lbkn', [
      {
        verb: 'delete',
        map: 'flows4',
        elements: [{ map: 'flows4', key: '192.0.2.99 . tcp . 80 . 192.0.2.11 . 80' }],
      },
    ]);
    expect(missing._unsafeUnwrapErr().kind).toBe('rejected');
    expect(listing((await cli.json('list table inet lbkn'))._unsafeUnwrap())).toBe(listed);
    nl.close();
    cli.close();
  });
});

describe.skipIf(skip)(
  `backend with the netlink element path${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const lab = new NetnsLab('lbkn');
    let netns = '';
    beforeAll(async () => {
      netns = await lab.add('nlbe');
    });
    afterAll(async () => {
      await lab.destroy();
    });

    it('sends flips as a netlink batch, everything else through nft, and repairs a refused batch', async () => {
      const reader = createNftCliTransport({ netns })._unsafeUnwrap();
      const backend = createNftablesBackend({
        netns,
        driftCheckInterval: 1e12,
        conntrack: false,
      })._unsafeUnwrap();
      expect(backend.elementPath).toBe('netlink');
      const first = (await backend.apply(before))._unsafeUnwrap();
      expect([first.mode, first.path]).toEqual(['full', 'nft']);
      const flip = (await backend.apply(after))._unsafeUnwrap();
      expect([flip.mode, flip.path, flip.warnings]).toEqual(['changes', 'netlink', []]);
      const observed = async () =>
        parseObservedState(
          (await reader.json('list table inet lbkit'))._unsafeUnwrap(),
        )._unsafeUnwrap();
      const web2 = (await observed()).services.find((s) => s.key.vip === '192.0.2.10')!;
      expect(web2.destinations.map((d) => d.address).sort()).toEqual(['192.0.2.11', '192.0.2.13']);
      // A rule change (slot class 4 -> 5 destinations) is not element-only: nft.
      const five = state(
        web([A, B, C, dest('D', '192.0.2.14'), dest('E', '192.0.2.15')]),
        dns([Y]),
        mh([A, C]),
      );
      expect((await backend.apply(five))._unsafeUnwrap().path).toBe('nft');
      // Someone deletes an element under us: the batch is refused, the apply rewrites the table.
      (
        await reader.run(
          'delete element inet lbkit flows6 { 2001:db8::10 . udp . 53 . 2001:db8::12 . 5353 }\n',
        )
      )._unsafeUnwrap();
      const repaired = (
        await backend.apply(state(five.services[0]!, dns([]), mh([A, C])))
      )._unsafeUnwrap();
      expect([repaired.mode, repaired.path]).toEqual(['full', 'nft']);
      expect(repaired.drift.join()).toMatch(/refused.*ENOENT/);
      expect(
        (await observed()).services.find((s) => s.key.vip === '192.0.2.10')!.destinations,
      ).toHaveLength(5);
      expect(
        (await observed()).services.find((s) => s.key.vip === '2001:db8::10')!.destinations,
      ).toEqual([]);
      (await backend.close())._unsafeUnwrap();
      reader.close();
    });

    it('uses nft for element changes with elementPath nft or a fake transport', async () => {
      const backend = createNftablesBackend({
        netns,
        elementPath: 'nft',
        conntrack: false,
      })._unsafeUnwrap();
      (await backend.apply(before))._unsafeUnwrap();
      expect((await backend.apply(after))._unsafeUnwrap().path).toBe('nft');
      (await backend.close())._unsafeUnwrap();
      const fake = createNftablesBackend({
        transport: new FakeNft(),
        conntrack: false,
      })._unsafeUnwrap();
      expect(fake.elementPath).toBe('nft');
      (await fake.apply(before))._unsafeUnwrap();
      expect((await fake.apply(after))._unsafeUnwrap().path).toBe('nft');
      const mismatch = createNftablesBackend({ transport: new FakeNft(), elementPath: 'netlink' });
      expect(mismatch._unsafeUnwrapErr().kind).toBe('rejected');
    });
  },
);
