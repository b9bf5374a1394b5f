/**
 * The keepalived article's topologies in network namespaces (documentation
 * ranges only), for the dns-cluster and http-cluster examples and their tests:
 *
 * ```
 * client 203.0.113.2 --- 203.0.113.1 lb (VIP on lo, forwarding)
 *                               198.51.100.1  --- mgmt net 198.51.100.0/25 --- sN 198.51.100.(10+N)   eth0
 *                               198.51.100.129 -- traffic net 198.51.100.128/25 -- sN 198.51.100.(138+N) eth1  (level 3)
 * ```
 *
 * - level 2: one interface per server (eth0 on the mgmt net), no route to the
 *   client at all: replies only work because the balancer masquerades.
 * - level 3: probes go to eth0 (`connectAddress`), traffic to eth1, and replies
 *   from the eth1 address leave through eth1 by policy routing (see
 *   `LEVEL3_ROUTING`), so the servers see the real client address.
 */
import { NetnsLab } from '@lbkit/core/testing';

/** Addresses of the cluster lab. */
export const CLUSTER = {
  vip: '192.0.2.53',
  client: '203.0.113.2',
  lbClientSide: '203.0.113.1',
  lbMgmt: '198.51.100.1',
  lbTraffic: '198.51.100.129',
  /** Server N's management address (probes; level 2 traffic too). */
  mgmt: (n: number): string => `198.51.100.${10 + n}`,
  /** Server N's traffic address (level 3). */
  traffic: (n: number): string => `198.51.100.${138 + n}`,
} as const;

/** Routing table number the level-3 servers use for replies from their traffic address. */
export const LEVEL3_TABLE = 100;

/**
 * The commands a level-3 server needs (run once at boot, e.g. in
 * /etc/network/interfaces `post-up` or a systemd-networkd `[RoutingPolicyRule]`):
 * replies sourced from the traffic address go back through the balancer,
 * everything else uses the main table.
 */
export function level3Routing(
  trafficAddress: string,
  lbTrafficAddress: string,
  dev = 'eth1',
): string[][] {
  return [
    [
      'ip',
      'route',
      'add',
      'default',
      'via',
      lbTrafficAddress,
      'dev',
      dev,
      'table',
      String(LEVEL3_TABLE),
    ],
    ['ip', 'rule', 'add', 'from', trafficAddress, 'table', String(LEVEL3_TABLE), 'priority', '100'],
  ];
}

/** A built cluster lab. */
export interface ClusterLab {
  readonly lab: NetnsLab;
  readonly level: 2 | 3;
  /** Server roles `s1..sN`. */
  readonly servers: readonly string[];
  /** Where traffic goes (level 2: mgmt address; level 3: traffic address). */
  readonly address: (n: number) => string;
  /** Where probes go (level 3 only differs). */
  readonly connectAddress: (n: number) => string | undefined;
}

/** Builds the cluster lab for `level` with `count` servers. Destroys itself on failure. */
export async function createClusterLab(
  prefix: string,
  level: 2 | 3,
  count = 2,
): Promise<ClusterLab> {
  const lab = new NetnsLab(prefix);
  try {
    await lab.addClientAndBalancer({
      client: [`${CLUSTER.client}/24`],
      lb: [`${CLUSTER.lbClientSide}/24`],
      gateways: [CLUSTER.lbClientSide],
      vips: [CLUSTER.vip],
    });
    // Two bridges on the lb stand for the two networks.
    for (const [bridge, address] of [
      ['mgmt', `${CLUSTER.lbMgmt}/25`],
      ['traffic', `${CLUSTER.lbTraffic}/25`],
    ] as const) {
      await lab.exec('lb', ['ip', 'link', 'add', bridge, 'type', 'bridge']);
      await lab.exec('lb', ['ip', 'addr', 'add', address, 'dev', bridge]);
      await lab.exec('lb', ['ip', 'link', 'set', bridge, 'up']);
    }
    const servers: string[] = [];
    for (let n = 1; n <= count; n++) {
      const role = `s${n}`;
      await lab.add(role);
      await lab.link(
        { role: 'lb', ifname: `m${n}` },
        { role, ifname: 'eth0', addresses: [`${CLUSTER.mgmt(n)}/25`] },
      );
      await lab.exec('lb', ['ip', 'link', 'set', `m${n}`, 'master', 'mgmt']);
      if (level === 3) {
        await lab.link(
          { role: 'lb', ifname: `t${n}` },
          { role, ifname: 'eth1', addresses: [`${CLUSTER.traffic(n)}/25`] },
        );
        await lab.exec('lb', ['ip', 'link', 'set', `t${n}`, 'master', 'traffic']);
        for (const argv of level3Routing(CLUSTER.traffic(n), CLUSTER.lbTraffic)) {
          await lab.exec(role, argv);
        }
      }
      servers.push(role);
    }
    return {
      lab,
      level,
      servers,
      address: (n) => (level === 3 ? CLUSTER.traffic(n) : CLUSTER.mgmt(n)),
      connectAddress: (n) => (level === 3 ? CLUSTER.mgmt(n) : undefined),
    };
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}
