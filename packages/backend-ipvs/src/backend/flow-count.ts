/**
 * `Backend.countFlows` on IPVS: the connection counters of the destination
 * dump (`IPVS_DEST_ATTR_ACTIVE_CONNS`, `_INACT_CONNS`), one dump per service.
 * @module
 */
import { type FlowCountQuery, parseAddress } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import type { IpvsClient, IpvsError } from '../client/client.js';
import type { AddressServiceId, IpvsDestination } from '../client/types.js';

/**
 * The flows an IPVS destination carries. TCP: `ActiveConns`, the connections
 * IPVS's state machine has ESTABLISHED; `InActConns` (SYN_RECV, FIN_WAIT,
 * CLOSE_WAIT, TIME_WAIT…) is left out, or a drain would wait out TIME_WAIT
 * (2 min). UDP: `ActiveConns + InActConns` (every connection entry, until its
 * timeout, 5 min by default). Persistence templates (`PersistConns`) are not
 * flows and never count.
 */
export function destinationFlows(dest: IpvsDestination, protocol: 'tcp' | 'udp'): number {
  const active = dest.activeConnections ?? 0;
  return protocol === 'tcp' ? active : active + (dest.inactiveConnections ?? 0);
}

const serviceIdOfQuery = (q: FlowCountQuery): AddressServiceId | undefined => {
  const vip = parseAddress(q.service.vip);
  if (!vip) return undefined;
  return {
    family: vip.family,
    protocol: q.service.protocol,
    address: vip.canonical,
    parsed: vip,
    port: q.service.port,
  };
};

/**
 * Counts the flows of each query's destination (see `destinationFlows`), in
 * `queries` order: one destination dump per distinct service. A service or
 * destination the kernel does not have counts 0.
 */
export async function countIpvsFlows(
  client: IpvsClient,
  queries: readonly FlowCountQuery[],
): Promise<Result<number[], IpvsError | { kind: 'invalid'; message: string }>> {
  const dumps = new Map<string, IpvsDestination[]>();
  const counts: number[] = [];
  for (const q of queries) {
    const id = serviceIdOfQuery(q);
    const address = parseAddress(q.address);
    if (!id || !address) return err({ kind: 'invalid', message: `bad address in ${q.address}` });
    const key = `${id.protocol} ${id.address} ${id.port}`;
    let dests = dumps.get(key);
    if (!dests) {
      const dumped = await client.destinations(id);
      if (dumped.isErr() && dumped.error.kind !== 'not-found') return err(dumped.error);
      dests = dumped.isOk() ? dumped.value : [];
      dumps.set(key, dests);
    }
    const d = dests.find((x) => x.id.address === address.canonical && x.id.port === q.port);
    counts.push(d ? destinationFlows(d, q.service.protocol) : 0);
  }
  return ok(counts);
}
