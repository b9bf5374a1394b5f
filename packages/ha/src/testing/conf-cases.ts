/**
 * The golden cases of the keepalived.conf renderer: the article's level 1
 * (one VIP), levels 2-3 (service VIP + inner gateway VIP in one sync group),
 * VRRPv2 with authentication, weighted tracking, unicast, IPv6 with an
 * excluded IPv4 VIP. Shared by the offline goldens and the `keepalived -t`
 * test, so both cover the same ground.
 * @module
 */
import type { HaInput } from '../options.js';

/** One rendered case: `testdata/<name>.conf`. */
export interface ConfCase {
  readonly name: string;
  readonly input: HaInput;
}

const runDir = '/run/lbkit/ha';
const service = { interface: 'eth0', virtualRouterId: 51, vips: ['203.0.113.10/24'] };
const inner = { interface: 'eth1', virtualRouterId: 52, vips: ['198.51.100.1/24'] };

/** Every case. */
export const CONF_CASES: readonly ConfCase[] = [
  { name: 'level1', input: { priority: 150, service } },
  {
    name: 'level3-sync-group',
    input: {
      name: 'dns',
      routerId: 'lb1',
      priority: 150,
      service,
      inner,
      keepalived: { runDir: '/run/lbkit/dns' },
    },
  },
  {
    name: 'unicast-weighted',
    input: {
      priority: 100,
      advertInterval: 50,
      preemptDelay: 2500,
      service: {
        ...service,
        vips: ['203.0.113.10/24', '203.0.113.11'],
        unicastPeers: ['203.0.113.4'],
        unicastSource: '203.0.113.3',
      },
      inner: { ...inner, unicastPeers: ['198.51.100.3'] },
      track: { weight: 60, processName: 'nft-lb' },
      keepalived: { runDir },
    },
  },
  {
    name: 'vrrp2-auth-nopreempt',
    input: {
      priority: 100,
      version: 2,
      advertInterval: 1000,
      preempt: false,
      authentication: { type: 'PASS', password: 'lbkit-1' },
      service,
    },
  },
  {
    name: 'ipv6-mixed',
    input: {
      priority: 200,
      service: {
        interface: 'eth0',
        virtualRouterId: 7,
        vips: ['2001:DB8:A::10/64', '203.0.113.10'],
      },
      trackInterfaces: ['eth1'],
    },
  },
];
