import { type BackendError, backendError, type FlowCountQuery, parseAddress } from '@lbkit/core';
import {
  CTNL,
  type CtFlowQuery,
  countFlows,
  createNetlinkConnection,
  openNetlinkSocket,
  SOCKET,
} from '@lbkit/netlink';
import { err, ok, type Result, ResultAsync } from 'neverthrow';

/** Options for `createConntrackFlowCounter`. */
export interface ConntrackCountOptions {
  /** Named network namespace (`ip netns add NAME`) whose conntrack table is read. Default: own. */
  readonly netns?: string;
  /** Bound on one kernel reply, ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** The ctnetlink query of one destination; addresses from the validated model. */
export function countQuery(query: FlowCountQuery): Result<CtFlowQuery, BackendError> {
  const vip = parseAddress(query.service.vip);
  const destination = parseAddress(query.address);
  if (!vip || !destination || vip.family !== destination.family) {
    return err(
      backendError('rejected', `flow count: bad addresses ${query.service.vip}, ${query.address}`),
    );
  }
  return ok({
    protocol: query.service.protocol === 'udp' ? CTNL.IPPROTO_UDP : CTNL.IPPROTO_TCP,
    dst: vip.bytes,
    dstPort: query.service.port,
    replySrc: destination.bytes,
    replySrcPort: query.port,
  });
}

/**
 * `Backend.countFlows` of the nftables backend, over ctnetlink (no process):
 * per call one NETLINK_NETFILTER socket in `netns` and one dump per service
 * (kernel-filtered by the original destination VIP:port on Linux 5.8+, the
 * family's dump matched here before), counting the entries whose REPLY
 * source is the destination's address:port (after DNAT the reply comes from
 * the real server). TCP entries count in every state but TIME_WAIT and
 * CLOSE; UDP entries count while present (the kernel keeps them 30 s after
 * the last packet, 120 s once replied in both directions). Errors:
 * `unavailable` (no socket: koffi, permission, namespace), `rejected`.
 */
export function createConntrackFlowCounter(
  options: ConntrackCountOptions = {},
): (queries: readonly FlowCountQuery[]) => ResultAsync<readonly number[], BackendError> {
  const run = (queries: readonly FlowCountQuery[]): Result<readonly number[], BackendError> => {
    const ct: CtFlowQuery[] = [];
    for (const q of queries) {
      const made = countQuery(q);
      if (made.isErr()) return err(made.error);
      ct.push(made.value);
    }
    if (ct.length === 0) return ok([]);
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
      return countFlows(connection, ct).mapErr((e) =>
        backendError(
          e.kind === 'permission' ? 'unavailable' : 'rejected',
          `ctnetlink: ${e.message}`,
          { cause: e },
        ),
      );
    } finally {
      connection.close();
    }
  };
  return (queries) => ResultAsync.fromSafePromise(Promise.resolve()).andThen(() => run(queries));
}
