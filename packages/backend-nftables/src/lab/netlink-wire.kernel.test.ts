import { expectGolden, NetnsLab } from '@lbkit/core/testing';
import { openNetlinkSocket, SOCKET } from '@lbkit/netlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchState } from '../../bench/services.js';
import { groupElements } from '../render/commands.js';
import { renderRuleset } from '../render/ruleset.js';
import { FULL } from '../testing/golden-cases.js';
import { batchGoldenPath, fullWireCase, WIRE_CASES, type WireCase } from '../testing/wire-cases.js';
import { sendBatch } from '../transport/batch-send.js';
import { openNftCli } from '../transport/nft-cli.js';
import { encodeBatch } from '../wire/nft-batch-encode.js';
import { describeBatch } from '../wire/nl-describe.js';
import { kernelSkip } from './kernel-env.js';
import { captureNftBatch, withoutCacheSetIds } from './nft-capture.js';

const skip = kernelSkip(['nft', 'strace']);

const CASES: readonly WireCase[] = [
  ...WIRE_CASES,
  // 1,000 services: element commands split over several messages, indexes past 2,048 (no golden).
  fullWireCase(
    '1000 services',
    benchState(1000, '192.0.2.10', ['198.51.100.11', '198.51.100.12', '198.51.100.13']),
  ),
];
const GOLDEN = new Set(WIRE_CASES.map((c) => c.name));

/** `nft -j list ruleset` without handles (they differ between two namespaces). */
const listing = (doc: unknown): string =>
  JSON.stringify(doc, (k, v) => (k === 'handle' || k === 'metainfo' ? undefined : v));

describe.skipIf(skip)(`netlink batches${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkn');
  let viaNft = '';
  let viaNetlink = '';
  beforeAll(async () => {
    viaNft = await lab.add('wnft');
    viaNetlink = await lab.add('wnl');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  for (const c of CASES) {
    it(`${c.name}: our batch is nft's, and both list the same`, async () => {
      const nft = openNftCli({ netns: viaNft })._unsafeUnwrap();
      const ours = openNftCli({ netns: viaNetlink })._unsafeUnwrap();
      const socket = openNetlinkSocket({
        netns: viaNetlink,
        protocol: SOCKET.NETLINK_NETFILTER,
      })._unsafeUnwrap();
      try {
        for (const t of [nft, ours]) (await t.run('flush ruleset\n'))._unsafeUnwrap();
        if (c.previous) {
          const prev = renderRuleset(c.previous, c.options)._unsafeUnwrap();
          for (const t of [nft, ours]) (await t.run(prev))._unsafeUnwrap();
        }
        const theirs = withoutCacheSetIds(describeBatch(captureNftBatch(viaNft, c.script)));
        // nft still sends what the checked-in golden says (UPDATE=1 captures it anew)...
        if (GOLDEN.has(c.name)) {
          expectGolden(
            batchGoldenPath(c.name),
            theirs,
            'UPDATE=1 npx vitest run src/lab/netlink-wire.kernel.test.ts',
          );
        }
        // ...and ours is it: every header field, attribute type and payload byte.
        const batch = encodeBatch(c.options.table ?? 'lbkit', c.commands, { ackLast: false });
        expect(describeBatch(batch._unsafeUnwrap().bytes)).toBe(theirs);
        const sent = encodeBatch(c.options.table ?? 'lbkit', c.commands, { firstSeq: 1 });
        (await sendBatch(socket, sent._unsafeUnwrap()))._unsafeUnwrap();
        const a = listing((await nft.json('list ruleset'))._unsafeUnwrap());
        const b = listing((await ours.json('list ruleset'))._unsafeUnwrap());
        expect(b).toBe(a);
      } finally {
        socket.close();
        nft.close();
        ours.close();
      }
    });
  }

  it('a batch the kernel refuses changes nothing, and the socket keeps working', async () => {
    const cli = openNftCli({ netns: viaNetlink })._unsafeUnwrap();
    const socket = openNetlinkSocket({
      netns: viaNetlink,
      protocol: SOCKET.NETLINK_NETFILTER,
    })._unsafeUnwrap();
    try {
      const desired = FULL[0]!.desired;
      (await cli.run(renderRuleset(desired)._unsafeUnwrap()))._unsafeUnwrap();
      const before = listing((await cli.json('list ruleset'))._unsafeUnwrap());
      const flow = (vip: string) => ({ map: 'flows4', key: [vip, 'tcp', 80, '192.0.2.11', 80] });
      const slot = {
        map: 'slots4_tcp_99',
        key: ['192.0.2.10', 80, 0],
        value: ['192.0.2.11', 80],
      };
      const refused = encodeBatch(
        'lbkit',
        [...groupElements('delete', [flow('192.0.2.10')]), ...groupElements('add', [slot])],
        { firstSeq: 100 },
      )._unsafeUnwrap();
      const result = await sendBatch(socket, refused);
      expect(result._unsafeUnwrapErr().kind).toBe('rejected');
      expect(result._unsafeUnwrapErr().message).toMatch(/message 2 of 2: errno 2 \(ENOENT\)/);
      expect(listing((await cli.json('list ruleset'))._unsafeUnwrap())).toBe(before);
      // A missing element is refused too; then a good batch still goes through.
      const missing = encodeBatch('lbkit', groupElements('delete', [flow('192.0.2.99')]), {
        firstSeq: 200,
      })._unsafeUnwrap();
      expect((await sendBatch(socket, missing))._unsafeUnwrapErr().message).toMatch(/ENOENT/);
      expect(listing((await cli.json('list ruleset'))._unsafeUnwrap())).toBe(before);
      const good = encodeBatch('lbkit', [{ verb: 'delete', object: 'table' }], { firstSeq: 300 });
      (await sendBatch(socket, good._unsafeUnwrap()))._unsafeUnwrap();
      expect((await cli.json('list ruleset'))._unsafeUnwrap()).toEqual({
        nftables: [expect.anything()],
      });
      socket.close();
      expect((await sendBatch(socket, good._unsafeUnwrap()))._unsafeUnwrapErr().kind).toBe(
        'closed',
      );
    } finally {
      socket.close();
      cli.close();
    }
  });
});
