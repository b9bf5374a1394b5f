import { describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend.js';
import { A, B, C, dest, FakeNft, state, svc, web } from '../testing/index.js';
import { renderChangePlan, renderChanges } from './changes.js';
import { resolveRenderOptions } from './options.js';
import { renderElementOp } from './skeleton.js';

const opts = resolveRenderOptions({})._unsafeUnwrap();
const text = (ops: Parameters<typeof renderElementOp>[0][]): string =>
  ops.length === 0 ? '' : `${ops.map((op) => renderElementOp(op, opts)).join('\n')}\n`;

describe('renderChangePlan', () => {
  it('a flip is element-only, and its ops render to exactly the script', () => {
    const before = state(web([A, B, C]), svc('dns', '192.0.2.53', 53, [A], { protocol: 'udp' }));
    const after = state(web([A, C]), svc('dns', '192.0.2.53', 53, [], { protocol: 'udp' }));
    const plan = renderChangePlan(before, after)._unsafeUnwrap();
    expect(plan.script).toBe(renderChanges(before, after)._unsafeUnwrap());
    expect(plan.elementOps).toBeDefined();
    expect(plan.elementOps!.map((op) => `${op.verb} ${op.map}`)).toEqual([
      'delete flows4',
      expect.stringMatching(/^delete backends4_udp_\d+$/), // dns sorts before web
      expect.stringMatching(/^delete backends4_tcp_\d+$/),
      expect.stringMatching(/^add backends4_tcp_\d+$/),
    ]);
    expect(text([...plan.elementOps!])).toBe(plan.script);
  });

  it('is not element-only when chains or rules change, and empty when nothing changes', () => {
    const four = state(web([A, B, C, dest('D', '192.0.2.14')]));
    const five = state(web([A, B, C, dest('D', '192.0.2.14'), dest('E', '192.0.2.15')]));
    expect(renderChangePlan(four, five)._unsafeUnwrap().elementOps).toBeUndefined();
    expect(renderChangePlan(four, state())._unsafeUnwrap().elementOps).toBeUndefined();
    expect(renderChangePlan(state(), four)._unsafeUnwrap().elementOps).toBeUndefined();
    expect(renderChangePlan(four, four)._unsafeUnwrap()).toEqual({ script: '', elementOps: [] });
  });

  it('a backend on a fake transport sends flips as nft text (report.path nft)', async () => {
    const fake = new FakeNft();
    const backend = createNftablesBackend({ transport: fake, conntrack: false })._unsafeUnwrap();
    expect(backend.elementPath).toBe('nft');
    expect((await backend.apply(state(web())))._unsafeUnwrap().path).toBe('nft');
    const flip = (await backend.apply(state(web([A, C]))))._unsafeUnwrap();
    expect([flip.mode, flip.path]).toEqual(['changes', 'nft']);
    expect((await backend.apply(state(web([A, C]))))._unsafeUnwrap().path).toBe('none');
    expect(
      createNftablesBackend({ transport: fake, elementPath: 'netlink' })._unsafeUnwrapErr().kind,
    ).toBe('rejected');
  });
});
