import type { Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/**
 * Why a self-connected socket is reported as `refused`: nothing listens on the
 * target port, so the kernel gave that very port to the probe's own socket.
 */
export const SELF_CONNECT_MESSAGE =
  'nothing listens there (the kernel bound the probe to the target port itself: a self-connect)';

/** Where the kernel's ephemeral port range is read (per network namespace). */
const PORT_RANGE_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/** How long a read of the range is trusted, ms (an operator may change it at run time). */
const PORT_RANGE_TTL_MS = 1000;

let range: { low: number; high: number; readAt: number } | undefined;

/**
 * The ephemeral port range of this process's network namespace, read at
 * most once a second; every port when it cannot be read (not Linux).
 */
function ephemeralRange(now: number): { low: number; high: number } {
  if (range && now - range.readAt < PORT_RANGE_TTL_MS) return range;
  let low = 0;
  let high = 65_535;
  try {
    const [a, b] = readFileSync(PORT_RANGE_FILE, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(a) && Number.isInteger(b)) [low, high] = [a!, b!];
  } catch {
    // Unknown: every port may be handed out as a source port.
  }
  range = { low, high, readAt: now };
  return range;
}

/**
 * True when a TCP socket connected to `port` is connected to itself. Linux lets
 * a connect to a local port in the ephemeral range (`net.ipv4.ip_local_port_range`)
 * that nobody has bound pick that same port as its source: TCP then completes a
 * "simultaneous open" with itself and the connect succeeds although nothing
 * listens. A health check must see that as refused, never as up. A source
 * port is only ever picked from that range, so for a port outside it (80,
 * 443, 53 with the default 32768-60999) this costs nothing; inside it, one
 * `getsockname` per check, and `getpeername` only when the local port is `port`.
 */
export function isSelfConnectedTcp(socket: Socket, port: number): boolean {
  const { low, high } = ephemeralRange(performance.now());
  if (port < low || port > high) return false;
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
