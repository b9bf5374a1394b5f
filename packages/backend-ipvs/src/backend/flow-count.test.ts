import { errAsync, okAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import type { IpvsClient } from '../client/client.js';
import type { IpvsDestination } from '../client/types.js';
import { countIpvsFlows, destinationFlows } from './flow-count.js';

const dest = (address: string, active: number, inactive: number): IpvsDestination => ({
  id: { family: 4, address, port: 80 },
  config: { forward: 'masquerade', weight: 0, upperThreshold: 0, lowerThreshold: 0 },
  activeConnections: active,
  inactiveConnections: inactive,
  persistentConnections: 9,
});

describe('IPVS flow count', () => {
  it('TCP counts ActiveConns only; UDP both; persistence templates never', () => {
    expect(destinationFlows(dest('198.51.100.1', 2, 5), 'tcp')).toBe(2);
    expect(destinationFlows(dest('198.51.100.1', 2, 5), 'udp')).toBe(7);
  });

  it('dumps each service once and answers in query order; a missing service counts 0', async () => {
    const dumped: string[] = [];
    const client = {
      destinations: (id: { address: string; port: number }) => {
        dumped.push(`${id.address}:${id.port}`);
        if (id.port === 81) return errAsync({ kind: 'not-found', message: 'no service' });
        return okAsync([dest('198.51.100.1', 3, 1), dest('198.51.100.2', 0, 4)]);
      },
    } as unknown as IpvsClient;
    const key = { vip: '192.0.2.10', port: 80, protocol: 'tcp' as const };
    const counts = await countIpvsFlows(client, [
      { service: key, address: '198.51.100.2', port: 80 },
      { service: key, address: '198.51.100.1', port: 80 },
      { service: key, address: '198.51.100.9', port: 80 },
      { service: { ...key, port: 81 }, address: '198.51.100.1', port: 80 },
    ]);
    expect(counts._unsafeUnwrap()).toEqual([0, 3, 0, 0]);
    expect(dumped).toEqual(['192.0.2.10:80', '192.0.2.10:81']);
  });
});
