import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket } from 'node:net';

/**
 * Why a self-connected socket is reported as `refused`: nothing listens on the
 * target port, so the kernel gave that very port to the probe's own socket.
 */
export const SELF_CONNECT_MESSAGE =
  'nothing listens there (the kernel bound the probe to the target port itself: a self-connect)';

/**
 * True when a TCP socket connected to `port` is connected to itself. Linux lets
 * a connect to a local port in the ephemeral range (`net.ipv4.ip_local_port_range`)
 * that nobody has bound pick that same port as its source: TCP then completes a
 * "simultaneous open" with itself and the connect succeeds although nothing
 * listens. A health check must see that as refused, never as up. Costs one
 * `getsockname` per check; `getpeername` only when the local port is `port`.
 */
export function isSelfConnectedTcp(socket: Socket, port: number): boolean {
  return socket.localPort === port && socket.localAddress === socket.remoteAddress;
}

/**
 * True when a connected UDP socket is connected to itself (same cause as
 * {@link isSelfConnectedTcp}): its datagrams come back to it, so a DNS probe
 * would read its own query. The DNS probe asks only when it reads back the very
 * bytes it sent (no syscall per check otherwise). Never throws (a closed socket
 * is not self-connected).
 */
export function isSelfConnectedUdp(socket: UdpSocket): boolean {
  try {
    const local = socket.address();
    const remote = socket.remoteAddress();
    return local.port === remote.port && local.address === remote.address;
  } catch {
    return false;
  }
}
