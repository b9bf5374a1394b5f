import { execFileSync } from 'node:child_process';
import { NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLibnftablesTransport } from '../transport/libnftables.js';
import { createNftCliTransport } from '../transport/nft-cli.js';
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

  const makers: Record<string, () => NftTransport> = {
    libnftables: () => createLibnftablesTransport({ netns: ns })._unsafeUnwrap(),
    'nft-cli': () => createNftCliTransport({ netns: ns })._unsafeUnwrap(),
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
});
