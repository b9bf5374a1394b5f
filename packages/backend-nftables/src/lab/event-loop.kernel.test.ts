/**
 * The long operations of a large balancer leave the event loop free: a cold
 * apply of 10,000 services x 3, the drift check that reads all of it back,
 * and the one that rewrites a deleted table. Render, encode and compare run
 * in slices and the big batch is sent from another thread; before that, a
 * cold apply held the thread for the whole second (timers 1-1.8 s late).
 */
import { NetnsLab, timerGaps } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNftablesBackend } from '../backend/backend.js';
import { dest, state, svc } from '../testing/fixtures.js';
import { openNftCli } from '../transport/nft-cli.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);

/** 10,000 services on one VIP, 3 destinations each. */
const big = () => {
  const ds = [dest('a', '198.51.100.11'), dest('b', '198.51.100.12'), dest('c', '198.51.100.13')];
  return state(
    ...Array.from({ length: 10_000 }, (_, i) =>
      svc(`s${String(i).padStart(5, '0')}`, '192.0.2.10', 10_000 + i, ds),
    ),
  );
};

/** Generous for a loaded CI machine; the old synchronous path was 5-10x above it. */
const MAX_GAP_MS = 300;

describe.skipIf(skip)(
  `event loop during long operations${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const lab = new NetnsLab('lbkv');
    let netns = '';
    beforeAll(async () => {
      netns = await lab.add('loop');
    });
    afterAll(async () => {
      await lab.destroy();
    });

    it('keeps timers running through a cold apply, a full read-back and a repair of 10,000 services', async () => {
      const backend = createNftablesBackend({ netns, conntrack: false })._unsafeUnwrap();
      const cli = openNftCli({ netns })._unsafeUnwrap();
      try {
        const desired = big();
        const cold = await timerGaps(async () => {
          expect((await backend.apply(desired))._unsafeUnwrap().mode).toBe('full');
        });
        const chains = (await cli.run('list chains inet\n'))._unsafeUnwrap();
        expect(chains.match(/chain svc_/g)).toHaveLength(10_000);
        // Someone else commits: the check reads the whole table back and finds it right.
        (await cli.run('add table inet other\ndelete table inet other\n'))._unsafeUnwrap();
        const read = await timerGaps(async () => {
          const report = (await backend.checkDrift())._unsafeUnwrap();
          expect([report.method, report.found]).toEqual(['read', []]);
        });
        (await cli.run('delete table inet lbkit\n'))._unsafeUnwrap();
        const repair = await timerGaps(async () => {
          expect((await backend.checkDrift())._unsafeUnwrap().repaired).toBe(true);
        });
        const after = (await cli.run('list chains inet\n'))._unsafeUnwrap();
        expect(after.match(/chain svc_/g)).toHaveLength(10_000);
        for (const [what, r] of Object.entries({ cold, read, repair })) {
          expect.soft(r.longestMs, `${what}: longest timer gap`).toBeLessThan(MAX_GAP_MS);
          expect.soft(r.ticks, `${what}: timer ticks`).toBeGreaterThan(5);
        }
      } finally {
        cli.close();
        await backend.close();
      }
    }, 60_000);
  },
);
