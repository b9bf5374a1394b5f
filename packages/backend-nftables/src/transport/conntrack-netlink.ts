import { type BackendError, backendError, parseAddress } from '@lbkit/core';
import {
  CTNL,
  type CtFlowQuery,
  createNetlinkConnection,
  deleteFlows,
  openNetlinkSocket,
  SOCKET,
} from '@lbkit/netlink';
import { err, ok, type Result, ResultAsync } from 'neverthrow';
import type { ConntrackCleaner } from './conntrack-tool.js';
import type { StaleUdpFlows } from './transport.js';

/** Options for `createConntrackNetlinkCleaner`. */
export interface ConntrackNetlinkOptions {
  /** Named network namespace (`ip netns add NAME`) whose conntrack table is cleaned. Default: own. */
  readonly netns?: string;
  /** Bound on one kernel reply, ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** The ctnetlink query of one stale (service, destination) pair; addresses from the validated model. */
export function flowQuery(flow: StaleUdpFlows): Result<CtFlowQuery, BackendError> {
  const vip = parseAddress(flow.service.vip);
  const destination = parseAddress(flow.address);
  if (!vip || !destination || vip.family !== destination.family) {
    return err(
      backendError(
        'rejected',
        `conntrack cleanup: bad addresses ${flow.service.vip}, ${flow.address}`,
      ),
    );
  }
  return ok({
    protocol: CTNL.IPPROTO_UDP,
    dst: vip.bytes,
    dstPort: flow.service.port,
    replySrc: destination.bytes,
    replySrcPort: flow.port,
  });
}

/**
 * A cleaner that deletes the entries over ctnetlink, without a process: per
 * call one NETLINK_NETFILTER socket in `netns`, one kernel-filtered dump per
 * service (CTA_FILTER, Linux 5.8+; older kernels: the family's dump, matched
 * here), one delete per matching entry. Needs CAP_NET_ADMIN and
 * `nf_conntrack_netlink` (the kernel loads it on first use). Errors:
 * `unavailable` (no socket: koffi, permission, namespace), `rejected`.
 */
export function createConntrackNetlinkCleaner(
  options: ConntrackNetlinkOptions = {},
): ConntrackCleaner {
  const run = (flows: readonly StaleUdpFlows[]): Result<number, BackendError> => {
    const queries: CtFlowQuery[] = [];
    for (const flow of flows) {
      const q = flowQuery(flow);
      if (q.isErr()) return err(q.error);
      queries.push(q.value);
    }
    const socket = openNetlinkSocket({
      protocol: SOCKET.NETLINK_NETFILTER,
      ...(options.netns === undefined ? {} : { netns: options.netns }),
      receiveTimeoutMs: options.timeoutMs ?? 5000,
    });
    if (socket.isErr()) {
      return err(backendError('unavailable', `ctnetlink socket: ${socket.error.message}`));
    }
    const connection = createNetlinkConnection(socket.value);
    try {
      return deleteFlows(connection, queries).mapErr((e) =>
        backendError(
          e.kind === 'permission' ? 'unavailable' : 'rejected',
          `ctnetlink: ${e.message}`,
          {
            cause: e,
          },
        ),
      );
    } finally {
      connection.close();
    }
  };
  return {
    name: 'ctnetlink',
    deleteUdpFlows: (flows) =>
      ResultAsync.fromSafePromise(Promise.resolve()).andThen(() => run(flows)),
  };
}
