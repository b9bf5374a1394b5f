import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseObservedState } from '../read/parse-observed.js';
import { rulesetCommands } from '../render/ruleset.js';
import { CHANGES, FULL } from '../testing/golden-cases.js';
import { createNetlinkTransport } from '../transport/netlink.js';
import { openNftCli } from '../transport/nft-cli.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);

const CASES = [
  ...FULL,
  ...CHANGES.map((c) => ({ name: `${c.name} (next)`, desired: c.next, options: c.options })),
];

describe.skipIf(skip)(`netlink reads and comparisons${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkn');
  let netns = '';
  beforeAll(async () => {
    netns = await lab.add('nlrd');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  for (const c of CASES) {
    it(`${c.name}: the dump equals what was written, and reads like nft's JSON`, async () => {
      const table = c.options?.table ?? 'lbkit';
      const transport = createNetlinkTransport({ netns, table })._unsafeUnwrap();
      const nft = openNftCli({ netns })._unsafeUnwrap();
      try {
        (await nft.run('flush ruleset\n'))._unsafeUnwrap();
        const commands = rulesetCommands(c.desired, c.options)._unsafeUnwrap();
        (await transport.write(commands))._unsafeUnwrap();
        const compared = (await transport.compare!(commands))._unsafeUnwrap();
        expect(compared.differences).toEqual([]);
        expect(compared.generation).toBe((await transport.probe())._unsafeUnwrap().generation);
        const json = (await nft.json(`list table inet ${table}`))._unsafeUnwrap();
        const viaNft = parseObservedState(json, { table })._unsafeUnwrap();
        const viaNetlink = (await transport.read())._unsafeUnwrap();
        // nft's reader takes no service names: compare everything else.
        const sorted = (services: typeof viaNft.services) =>
          services.map(({ name: _, ...s }) => ({
            ...s,
            destinations: [...s.destinations].sort((a, b) =>
              `${a.address}:${a.port}`.localeCompare(`${b.address}:${b.port}`),
            ),
          }));
        expect(sorted(viaNetlink.services)).toEqual(sorted(viaNft.services));
      } finally {
        transport.close();
        nft.close();
      }
    });
  }

  it.each([
    ['delete element inet lbkit services4 { 192.0.2.10 . tcp . 80 }', /set services4: 1 element/],
    [
      'add element inet lbkit flows4 { 192.0.2.99 . tcp . 1 . 192.0.2.1 . 1 }',
      /set flows4: 1 unexpected/,
    ],
    [
      'add rule inet lbkit prerouting accept',
      /chain prerouting: rules differ \(5 found, 4 expected\)/,
    ],
    ['flush chain inet lbkit svc_web', /chain svc_web: rules differ \(0 found, 1 expected\)/],
    ['add chain inet lbkit mine', /chain mine is unexpected/],
    ['delete chain inet lbkit empty_reject_udp', /chain empty_reject_udp is missing|rules differ/],
    ['add table inet lbkit { flags dormant ; }', /dormant/],
    ['delete table inet lbkit', /table inet lbkit is missing/],
  ])('finds `%s`', async (change, finding) => {
    const transport = createNetlinkTransport({ netns })._unsafeUnwrap();
    const nft = openNftCli({ netns })._unsafeUnwrap();
    try {
      (await nft.run('flush ruleset\n'))._unsafeUnwrap();
      const commands = rulesetCommands(FULL[0]!.desired)._unsafeUnwrap();
      (await transport.write(commands))._unsafeUnwrap();
      const result = await nft.run(`${change}\n`);
      if (result.isErr()) {
        // A referenced chain cannot be deleted: take its rule instead.
        (await nft.run('flush chain inet lbkit empty_reject_udp\n'))._unsafeUnwrap();
      }
      const compared = (await transport.compare!(commands))._unsafeUnwrap();
      expect(compared.differences.join('\n')).toMatch(finding);
    } finally {
      transport.close();
      nft.close();
    }
  });
});
