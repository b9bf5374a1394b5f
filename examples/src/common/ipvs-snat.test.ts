import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DesiredService } from '@lbkit/core';
import { createFakeBackend } from '@lbkit/core/testing';
import { describe, expect, it } from 'vitest';
import { asSnatOnly, wantsSnat, withIpvsSnat } from './ipvs-snat.js';

const service = (name: string, extra: Partial<DesiredService> = {}): DesiredService => ({
  name,
  key: { vip: '192.0.2.53', port: 53, protocol: 'udp' },
  scheduler: 'wlc',
  whenEmpty: 'reject',
  persistence: 300,
  destinations: [{ name: 'ns1', address: '198.51.100.11', port: 53, weight: 2 }],
  ...extra,
});

/** A stand-in for the sysctl file, holding `value`. */
function sysctlFile(value: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lbkit-snat-')), 'conntrack');
  writeFileSync(path, value);
  return path;
}

describe('IPVS SNAT companion', () => {
  it('gives the companion rr, no persistence, and only the NAT services', () => {
    const out = asSnatOnly({
      services: [
        service('a'),
        service('b', { forward: 'route' }),
        service('c', { forward: 'nat' }),
      ],
    });
    expect(out.services.map((s) => [s.name, s.scheduler, s.persistence, s.forward])).toEqual([
      ['a', 'rr', 0, undefined],
      ['c', 'rr', 0, undefined],
    ]);
    expect(out.services[0]?.destinations).toEqual(service('a').destinations);
  });

  it('is wanted for masquerade or a fixed SNAT address only', () => {
    expect(wantsSnat({ table: 't' })).toBe(false);
    expect(wantsSnat({ masquerade: true })).toBe(true);
    expect(wantsSnat({ snat: { ipv4: '198.51.100.1' } })).toBe(true);
    expect(wantsSnat({ snat: {} })).toBe(false);
  });

  it('turns net.ipv4.vs.conntrack on, and fails clearly when it cannot', () => {
    const sysctl = sysctlFile('0\n');
    const both = withIpvsSnat(createFakeBackend(), { table: 'dns', masquerade: true }, sysctl);
    expect(both._unsafeUnwrap().name).toBe('fake+nftables-snat');
    expect(readFileSync(sysctl, 'utf8')).toBe('1\n');
    const missing = withIpvsSnat(
      createFakeBackend(),
      { masquerade: true },
      join(sysctl, 'no/such'),
    );
    expect(missing._unsafeUnwrapErr()).toMatchObject({ kind: 'unavailable' });
    expect(missing._unsafeUnwrapErr().message).toMatch(/IPVS SNAT needs it/);
  });

  it('refuses options the nftables companion refuses', () => {
    const bad = withIpvsSnat(
      createFakeBackend(),
      { table: 'a b', masquerade: true },
      sysctlFile('1\n'),
    );
    expect(bad._unsafeUnwrapErr().kind).toBe('rejected');
  });
});
