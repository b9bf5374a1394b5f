import { DEFAULT_HEALTH, type HealthSettings, type Service } from '@lbkit/core';
import { LAB } from '@lbkit/core/testing';

/**
 * The lab's `web` service: VIP:80/tcp over the three lab servers, rr, TCP
 * probe, initially up, with `health` over the defaults. Shared by the
 * failover kernel test and the failover benchmark.
 */
export const labWebService = (health: Partial<HealthSettings>): Service => ({
  name: 'web',
  key: { vip: LAB.vip, port: 80, protocol: 'tcp' },
  scheduler: 'rr',
  destinations: [1, 2, 3].map((i) => ({
    name: `s${i}`,
    address: LAB.server(i),
    port: 80,
    weight: 1,
  })),
  probe: { kind: 'tcp' },
  health: { ...DEFAULT_HEALTH, jitter: 0, initial: 'up', ...health },
  whenEmpty: 'reject',
  downAction: 'remove',
  persistence: 0,
});
