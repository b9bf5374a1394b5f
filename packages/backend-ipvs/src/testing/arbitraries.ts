/**
 * fast-check arbitraries for the IPVS model (test-only; not exported from the
 * package entry points).
 */

import { formatIpv4, formatIpv6 } from '@lbkit/core';
import fc from 'fast-check';
import type {
  DestinationConfig,
  DestinationId,
  IpvsDestination,
  IpvsService,
  IpvsStats,
  ServiceConfig,
  ServiceId,
} from '../client/types.js';
import { SERVICE_FLAGS } from '../codec/flags.js';

export const arbV4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b));
export const arbV6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const u32 = fc.integer({ min: 0, max: 0xffffffff });

export const arbServiceId: fc.Arbitrary<ServiceId> = fc.oneof(
  fc.record({
    family: fc.constant(4 as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
    address: arbV4,
    port: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({
    family: fc.constant(6 as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const),
    address: arbV6,
    port: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({
    family: fc.constantFrom(4 as const, 6 as const),
    fwmark: fc.integer({ min: 1, max: 0xffffffff }),
  }),
);

export const arbServiceConfig = (family: 4 | 6): fc.Arbitrary<ServiceConfig> =>
  fc.record(
    {
      scheduler: fc.stringMatching(/^[a-z][a-z0-9_]{0,14}$/),
      flags: fc.subarray([...SERVICE_FLAGS]),
      timeout: u32,
      netmask: family === 6 ? fc.integer({ min: 1, max: 128 }) : fc.integer({ min: 0, max: 32 }),
      persistenceEngine: fc.constantFrom('sip', 'x_1'),
    },
    { requiredKeys: ['scheduler', 'flags', 'timeout', 'netmask'] },
  );

const big = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
export const arbStats: fc.Arbitrary<IpvsStats> = fc.record({
  connections: big,
  packetsIn: big,
  packetsOut: big,
  bytesIn: big,
  bytesOut: big,
  cps: big,
  ppsIn: big,
  ppsOut: big,
  bpsIn: big,
  bpsOut: big,
});

export const arbService: fc.Arbitrary<IpvsService> = arbServiceId.chain((id) =>
  fc.record(
    { id: fc.constant(id), config: arbServiceConfig(id.family), stats: arbStats },
    { requiredKeys: ['id', 'config'] },
  ),
);

export const arbDestinationId: fc.Arbitrary<DestinationId> = fc.oneof(
  fc.record({
    family: fc.constant(4 as const),
    address: arbV4,
    port: fc.integer({ min: 0, max: 65535 }),
  }),
  fc.record({
    family: fc.constant(6 as const),
    address: arbV6,
    port: fc.integer({ min: 0, max: 65535 }),
  }),
);

export const arbDestinationConfig: fc.Arbitrary<DestinationConfig> = fc.oneof(
  fc.record({
    forward: fc.constantFrom(
      'masquerade' as const,
      'route' as const,
      'local' as const,
      'bypass' as const,
    ),
    weight: fc.integer({ min: 0, max: 0x7fffffff }),
    upperThreshold: u32,
    lowerThreshold: u32,
  }),
  fc.record({
    forward: fc.constant('tunnel' as const),
    weight: fc.integer({ min: 0, max: 0x7fffffff }),
    upperThreshold: u32,
    lowerThreshold: u32,
    tunnel: fc.record({
      type: fc.constantFrom('ipip' as const, 'gue' as const, 'gre' as const),
      port: fc.integer({ min: 0, max: 65535 }),
      flags: fc.integer({ min: 0, max: 3 }),
    }),
  }),
);

export const arbDestination: fc.Arbitrary<IpvsDestination> = fc.record({
  id: arbDestinationId,
  config: arbDestinationConfig,
  activeConnections: u32,
  inactiveConnections: u32,
  persistentConnections: u32,
  stats: arbStats,
});
