/**
 * `nft-lb --metrics HOST:PORT`: the library's Prometheus exporter
 * (`createBalancerMetrics` from @lbkit/core, text format 0.0.4) served on
 * `http://HOST:PORT/metrics`. The daemon gives it the kernel read-back (the
 * nftables table's serving state and flow-set counters) and, on a pair, the
 * HA metrics as an extra source.
 */
import { createServer, type Server } from 'node:http';
import type { BalancerMetrics } from '@lbkit/core';

/** Serves `handler` on `/metrics` (GET, HEAD); every other path 404. */
export function serveMetrics(
  host: string,
  port: number,
  handler: BalancerMetrics['handler'],
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    handler(request, response);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
