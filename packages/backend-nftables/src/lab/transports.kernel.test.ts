import { execFileSync } from 'node:child_process';
import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLibnftables } from '../transport/libnftables.js';
import { createNetlinkTransport } from '../transport/netlink.js';
import { openNftCli } from '../transport/nft-cli.js';
import type { NftRunner } from '../transport/nft-runner.js';
import { createLibnftablesTransport, createNftCliTransport } from '../transport/text-transport.js';
import type { NftTransport } from '../transport/transport.js';
import { kernelSkip } from './kernel-env.js';

const skip = kernelSkip(['nft']);

describe.skipIf(skip)(`transports against the kernel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const lab = new NetnsLab('lbkn');
  let ns = '';
  beforeAll(async () => {
    ns = await lab.add('tr');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  const makers: Record<string, () => NftRunner> = {
    libnftables: () => openLibnftables({ netns: ns })._unsafeUnwrap(),
    'nft-cli': () => openNftCli({ netns: ns })._unsafeUnwrap(),
  };

  for (const [name, make] of Object.entries(makers)) {
    describe(name, () => {
      it('runs a script, reads JSON back, and never touches the host ruleset', async () => {
        const t = make();
        expect(t.name).toBe(name);
        expect((await t.run('add table inet lbkn_t\nadd chain inet lbkn_t c\n')).isOk()).toBe(true);
        const doc = (await t.json('list table inet lbkn_t'))._unsafeUnwrap() as {
          nftables: unknown[];
        };
        expect(JSON.stringify(doc.nftables)).toContain('"name":"c"');
        const inNs = await lab.exec('tr', ['nft', 'list', 'tables']);
        expect(inNs.stdout).toContain('lbkn_t');
        const host = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
        expect(host).not.toContain('lbkn_t');
        expect((await t.run('delete table inet lbkn_t')).isOk()).toBe(true);
        t.close();
      });

      it('commits nothing when the last line of a script is invalid', async () => {
        const t = make();
        const result = await t.run(
          'add table inet lbkn_a\nadd chain inet lbkn_a c\nadd rule inet lbkn_a c bogus\n',
        );
        expect(result._unsafeUnwrapErr().kind).toBe('rejected');
        expect(result._unsafeUnwrapErr().message).toMatch(/syntax error|bogus/);
        const listed = await t.json('list table inet lbkn_a');
        expect(listed._unsafeUnwrapErr().message).toMatch(/No such file or directory/);
        t.close();
        expect((await t.run('list tables'))._unsafeUnwrapErr().kind).toBe('closed');
      });
    });
  }

  it('libnftables leaves the test process in its own namespace', async () => {
    const { readlinkSync } = await import('node:fs');
    const before = readlinkSync('/proc/thread-self/ns/net');
    const t = makers.libnftables!();
    await t.run('add table inet lbkn_x\ndelete table inet lbkn_x');
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(before);
    t.close();
  });

  const transports: Record<string, () => NftTransport> = {
    netlink: () => createNetlinkTransport({ netns: ns, table: 'lbkn_p' })._unsafeUnwrap(),
    libnftables: () => createLibnftablesTransport({ netns: ns, table: 'lbkn_p' })._unsafeUnwrap(),
    'nft-cli': () => createNftCliTransport({ netns: ns, table: 'lbkn_p' })._unsafeUnwrap(),
  };
  for (const [name, make] of Object.entries(transports)) {
    it(`${name}: probes existence, comment and dormant flag`, async () => {
      const t = make();
      const cli = makers['nft-cli']!();
      try {
        expect((await t.probe())._unsafeUnwrap()).toMatchObject({ exists: false, dormant: false });
        (await cli.run('add table inet lbkn_p { comment "managed by lbkit" ; }\n'))._unsafeUnwrap();
        expect((await t.probe())._unsafeUnwrap()).toMatchObject({
          exists: true,
          dormant: false,
          comment: 'managed by lbkit',
        });
        (await cli.run('add table inet lbkn_p { flags dormant ; }\n'))._unsafeUnwrap();
        expect((await t.probe())._unsafeUnwrap()).toMatchObject({ exists: true, dormant: true });
      } finally {
        await cli.run('delete table inet lbkn_p\n');
        cli.close();
        t.close();
      }
    });
  }

  it('netlink: the generation moves by exactly one per commit, and only then', async () => {
    const t = transports.netlink!();
    const cli = makers['nft-cli']!();
    try {
      const g0 = (await t.probe())._unsafeUnwrap().generation!;
      const written = (await t.write([{ verb: 'add', object: 'table' }]))._unsafeUnwrap();
      expect(written).toMatchObject({ path: 'netlink', generation: g0 + 1 });
      expect((await t.probe())._unsafeUnwrap().generation).toBe(g0 + 1);
      // Listing, packets and a refused batch do not move it; someone else's commit does.
      (await cli.run('list ruleset\n'))._unsafeUnwrap();
      expect((await cli.run('delete table inet lbkn_nope\n')).isErr()).toBe(true);
      expect((await t.probe())._unsafeUnwrap().generation).toBe(g0 + 1);
      (await cli.run('add table inet lbkn_other\ndelete table inet lbkn_other\n'))._unsafeUnwrap();
      expect((await t.probe())._unsafeUnwrap().generation).toBe(g0 + 2);
    } finally {
      await cli.run('delete table inet lbkn_p\n');
      cli.close();
      t.close();
    }
  });
});
