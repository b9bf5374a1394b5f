import { hexdumpDiff } from '@lbkit/netlink';
import { describe, expect, it } from 'vitest';
import type { ServiceId } from '../client/types.js';
import { createFakeIpvs } from './fake-ipvs.js';

const svc: ServiceId = { family: 4, protocol: 'udp', address: '192.0.2.53', port: 53 };
const cfg = { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 };
const nat = { forward: 'masquerade' as const, weight: 1, upperThreshold: 0, lowerThreshold: 0 };

describe('FakeIpvs', () => {
  it('answers like the kernel', async () => {
    const fake = createFakeIpvs();
    expect((await fake.createService(svc, cfg)).isOk()).toBe(true);
    expect((await fake.createService(svc, cfg))._unsafeUnwrapErr().kind).toBe('exists');
    const v6 = { family: 6 as const, address: '2001:db8::1', port: 53 };
    expect((await fake.createDestination(svc, v6, nat))._unsafeUnwrapErr().errno).toBe(22);
    const d = { family: 4 as const, address: '198.51.100.1', port: 53 };
    expect(
      (
        await fake.createDestination(svc, d, { ...nat, lowerThreshold: 5, upperThreshold: 2 })
      )._unsafeUnwrapErr().errno,
    ).toBe(34);
    expect((await fake.updateDestination(svc, d, nat))._unsafeUnwrapErr().errno).toBe(2);
    expect((await fake.updateService({ ...svc, port: 54 }, cfg))._unsafeUnwrapErr().errno).toBe(3);
  });

  it('shares state across reopen() and injects failures', async () => {
    const fake = createFakeIpvs({
      fail: (call) =>
        call.method === 'removeService' ? { kind: 'kernel', message: 'boom' } : undefined,
    });
    await fake.createService(svc, cfg);
    fake.close();
    expect((await fake.services())._unsafeUnwrapErr().kind).toBe('closed');
    const again = fake.reopen();
    expect((await again.services())._unsafeUnwrap()).toHaveLength(1);
    expect((await again.removeService(svc))._unsafeUnwrapErr().message).toBe('boom');
  });
});

describe('hexdumpDiff', () => {
  it('is undefined for equal buffers and marks differing lines', () => {
    expect(hexdumpDiff(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBeUndefined();
    const diff = hexdumpDiff(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 9, 3))!;
    expect(diff).toContain('offset 1');
    expect(diff).toContain('!0000 01 02 03');
  });
});
