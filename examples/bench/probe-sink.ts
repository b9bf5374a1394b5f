/**
 * The peer of the start-up benchmark, run in its namespace: accepts TCP
 * connections on [::]:PORT for every local address (an AnyIP route makes a
 * whole /64 local), notes when each destination address was connected to,
 * and when stdin ends prints one JSON line: how many connections, and the
 * lateness of every check after a destination's first one (gap to the
 * previous check minus the interval), as p50 / p99 / max in ms.
 *
 * Usage: probe-sink PORT INTERVAL_MS
 */
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
const intervalMs = Number(process.argv[3]);
const last = new Map<string, number>();
const lateness: number[] = [];
let connections = 0;

const server = createServer((socket) => {
  connections++;
  const now = performance.now();
  const address = socket.localAddress ?? '?';
  const before = last.get(address);
  if (before !== undefined) lateness.push(now - before - intervalMs);
  last.set(address, now);
  socket.on('error', () => {});
  socket.destroy();
});
server.listen({ port, host: '::', ipv6Only: false, backlog: 4096 }, () => {
  process.stdout.write('ready\n');
});

const rank = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

process.stdin.resume();
process.stdin.on('end', () => {
  const sorted = lateness.sort((a, b) => a - b);
  const summary = {
    connections,
    destinations: last.size,
    checks: sorted.length,
    p50: rank(sorted, 50),
    p99: rank(sorted, 99),
    max: rank(sorted, 100),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  server.close();
  process.exit(0);
});
