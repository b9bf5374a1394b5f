import { describe, expect, it } from 'vitest';
import { classifyNftError } from './classify.js';
import { createDefaultTransport } from './default-transport.js';
import { openNftCli } from './nft-cli.js';
import { createLibnftablesTransport, createNftCliTransport } from './text-transport.js';

describe('transport selection (offline)', () => {
  it('puts nft text behind netlink, and uses netlink alone without nft', () => {
    const pair = createDefaultTransport({ nft: '/bin/true', library: '/nonexistent/x.so' });
    expect(pair._unsafeUnwrap().name).toBe('netlink+nft-cli');
    pair._unsafeUnwrap().close();
    const alone = createDefaultTransport({
      library: '/nonexistent/libnftables.so.1',
      nft: '/nonexistent/nft',
    });
    expect(alone._unsafeUnwrap().name).toBe('netlink');
    alone._unsafeUnwrap().close();
  });

  it('names every reason when nothing is usable', () => {
    const result = createDefaultTransport({
      netns: 'lbkn-does-not-exist-0',
      library: '/nonexistent/libnftables.so.1',
      nft: '/nonexistent/nft',
    });
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/netlink: .*lbkn-does-not-exist-0/);
    expect(error.message).toMatch(/libnftables/);
    expect(error.message).toMatch(/nft CLI: .*\/nonexistent\/nft/);
  });

  it('honours an explicit preference without falling back', () => {
    const lib = createDefaultTransport({ prefer: 'libnftables', library: '/nonexistent/x.so' });
    expect(lib._unsafeUnwrapErr().message).toMatch(/libnftables not loadable/);
    const cli = createDefaultTransport({ prefer: 'nft-cli', nft: '/nonexistent/nft' });
    expect(cli._unsafeUnwrapErr().message).toMatch(/nft binary not found/);
    const netlink = createDefaultTransport({ prefer: 'netlink' })._unsafeUnwrap();
    expect(netlink.name).toBe('netlink');
    netlink.close();
  });

  it('refuses namespace names that are not plain names', () => {
    expect(
      createNftCliTransport({ nft: '/bin/true', netns: '../etc' })._unsafeUnwrapErr().kind,
    ).toBe('unavailable');
    expect(createLibnftablesTransport({ netns: 'a/b' })._unsafeUnwrapErr().kind).toBe(
      'unavailable',
    );
    expect(
      createLibnftablesTransport({ netns: 'lbkn-does-not-exist-0' })._unsafeUnwrapErr().message,
    ).toMatch(/lbkn-does-not-exist-0/);
  });

  it('classifies permission problems apart from refused scripts', () => {
    expect(classifyNftError('x', 'Error: Operation not permitted').kind).toBe('unavailable');
    expect(classifyNftError('x', 'Error: syntax error').kind).toBe('rejected');
    expect(classifyNftError('x', '').message).toMatch(/failed without a message/);
  });

  it('a closed CLI refuses work', async () => {
    const runner = openNftCli({ nft: '/bin/true' })._unsafeUnwrap();
    runner.close();
    expect((await runner.run('x'))._unsafeUnwrapErr().kind).toBe('closed');
  });
});
