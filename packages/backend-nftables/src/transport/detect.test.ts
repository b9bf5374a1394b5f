import { describe, expect, it } from 'vitest';
import { classifyNftError } from './classify.js';
import { detectTransport } from './detect.js';
import { createLibnftablesTransport } from './libnftables.js';
import { createNftCliTransport } from './nft-cli.js';

describe('transport selection (offline)', () => {
  it('names both transports when neither is available', () => {
    const result = detectTransport({
      library: '/nonexistent/libnftables.so.1',
      nft: '/nonexistent/nft',
    });
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/libnftables/);
    expect(error.message).toMatch(/nft CLI/);
    expect(error.message).toMatch(/\/nonexistent\/nft/);
  });

  it('falls back to the CLI when the library cannot be loaded', () => {
    const result = detectTransport({ library: '/nonexistent/libnftables.so.1', nft: '/bin/true' });
    const transport = result._unsafeUnwrap();
    expect(transport.name).toBe('nft-cli');
    transport.close();
  });

  it('honours an explicit preference without falling back', () => {
    const lib = detectTransport({ prefer: 'libnftables', library: '/nonexistent/x.so' });
    expect(lib._unsafeUnwrapErr().message).toMatch(/libnftables not loadable/);
    const cli = detectTransport({ prefer: 'nft-cli', nft: '/nonexistent/nft' });
    expect(cli._unsafeUnwrapErr().message).toMatch(/nft binary not found/);
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

  it('a closed CLI transport refuses work', async () => {
    const transport = createNftCliTransport({ nft: '/bin/true' })._unsafeUnwrap();
    transport.close();
    expect((await transport.run('x'))._unsafeUnwrapErr().kind).toBe('closed');
  });
});
