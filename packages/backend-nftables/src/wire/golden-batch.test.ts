import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { batchGoldenPath, WIRE_CASES } from '../testing/wire-cases.js';
import { encodeBatch } from './nft-batch-encode.js';
import { describeBatch } from './nl-describe.js';

/**
 * The default write path, offline and byte for byte: the batch we encode for
 * every golden case (cold applies of every scheduler and option, IPv6, UDP;
 * flips, element-only changes, rule changes) is exactly the batch nft 1.0.6
 * sent for the same script, captured once from nft under strace and checked
 * in (`testdata/<case>.batch`: one message per line, one attribute per
 * indented line, every header field and payload byte; padding left out).
 */
describe('netlink batches equal the checked-in batches nft sent (offline)', () => {
  for (const c of WIRE_CASES) {
    it(c.name, () => {
      const path = batchGoldenPath(c.name);
      if (!existsSync(path)) {
        throw new Error(
          `golden batch ${path} is missing: capture it from nft with UPDATE=1 npx vitest run src/lab/netlink-wire.kernel.test.ts (root)`,
        );
      }
      const ours = encodeBatch(c.options.table ?? 'lbkit', c.commands, { ackLast: false });
      expect(describeBatch(ours._unsafeUnwrap().bytes)).toBe(readFileSync(path, 'utf8'));
    });
  }

  it('covers every scheduler, both families and protocols, and element-only flips', () => {
    const text = WIRE_CASES.map((c) => c.script).join('\n');
    for (const needle of [
      'numgen inc',
      'numgen random',
      'jhash ip saddr',
      'jhash ip6 saddr',
      'dnat ip6 to',
      'udp dport',
    ]) {
      expect(text).toContain(needle);
    }
    const flips = WIRE_CASES.filter((c) => c.name.startsWith('change-flip'));
    expect(flips.length).toBeGreaterThanOrEqual(3);
    for (const f of flips) expect(f.commands.every((cmd) => cmd.object === 'element')).toBe(true);
  });
});
