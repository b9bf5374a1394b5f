import { describe, expect, it } from 'vitest';
import { createBackend } from './backend.js';

describe('createBackend', () => {
  it('refuses --hold-vips on nftables (only IPVS needs the VIP local)', async () => {
    const result = await createBackend('nftables', { table: 'dns', holdVips: 'lbkit-vips0' });
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'rejected' });
    expect(result._unsafeUnwrapErr().message).toMatch(/for IPVS/);
  });

  it('builds nftables without it', async () => {
    const result = await createBackend('nftables', { table: 'dns' });
    expect(result._unsafeUnwrap().name).toMatch(/nftables/);
    await result._unsafeUnwrap().close({ keep: true });
  });
});
