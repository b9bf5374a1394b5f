/**
 * `--check` of dns-cluster/http-cluster: the file validated with the
 * backend's forwarding methods, and on IPVS the VIPs checked against a real
 * namespace's addresses (rtnetlink; no IPVS needed for that).
 */
import { join } from 'node:path';
import { canUseNetns, NetnsLab } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR } from '../programs.js';
import { checkConfig } from './check-config.js';

const file = (name: string) => join(EXAMPLES_DIR, 'dns-cluster', name);

async function check(config: string, backend: 'nftables' | 'ipvs', extra = {}) {
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const code = await checkConfig({ config, backend, info: log, warn: log, ...extra });
  return { code, text: lines.join('\n') };
}

describe('checkConfig', () => {
  it('refuses forward: route for nftables at its line, accepts it for IPVS', async () => {
    const nft = await check(file('dr.yaml'), 'nftables');
    expect(nft.code).toBe(1);
    expect(nft.text).toMatch(/dr\.yaml:\d+.*forward.*nftables/);
    const ipvs = await check(file('dr.yaml'), 'ipvs', { holdVips: 'lbkit-vips0' });
    expect(ipvs).toEqual({
      code: 0,
      text: `${file('dr.yaml')}: OK, 2 service(s) for ipvs, VIPs held on lbkit-vips0`,
    });
  });

  it('refuses --hold-vips with nftables', async () => {
    const r = await check(file('level2.yaml'), 'nftables', { holdVips: 'x0' });
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/for IPVS/);
  });
});

describe.skipIf(!canUseNetns())('checkConfig: the VIPs of an IPVS config (namespace)', () => {
  const lab = new NetnsLab('lbkck');
  beforeAll(async () => {
    await lab.add('lb');
  });
  afterAll(async () => {
    await lab.destroy();
  });

  it('warns about a VIP that is not local, and not once it is', async () => {
    const before = await check(file('level2.yaml'), 'ipvs', { netns: lab.ns('lb') });
    expect(before.code).toBe(0);
    expect(before.text).toMatch(
      /warning: VIP 192\.0\.2\.53 is not a local address .* dns-udp, dns-tcp balance nothing/,
    );
    await lab.exec('lb', ['ip', 'addr', 'add', '192.0.2.53/32', 'dev', 'lo']);
    const after = await check(file('level2.yaml'), 'ipvs', { netns: lab.ns('lb') });
    expect(after.text).not.toMatch(/warning/);
    expect(after.text).toMatch(/OK, 2 service\(s\) for ipvs$/);
  });
});
