/**
 * Runs inside a test network namespace (`ip netns exec NS node --import tsx netns-check.ts JSON`):
 * checks each `{ kind, address, port, timeoutMs }` with the real probes and prints
 * one JSON line per check. Test-only.
 */
import { agentProbe } from '../agent-probe.js';
import { dnsProbe } from '../dns-probe.js';
import { httpHeaderProbe } from '../http-probe.js';
import { tcpProbe } from '../tcp-probe.js';

interface Job {
  readonly kind: 'tcp' | 'dns-udp' | 'dns-tcp' | 'http' | 'http-fresh' | 'agent';
  readonly address: string;
  readonly port: number;
  readonly timeoutMs: number;
}

const jobs = JSON.parse(process.argv[2] ?? '[]') as Job[];
const http = httpHeaderProbe();
const probes = {
  tcp: tcpProbe(),
  'dns-udp': dnsProbe({ name: 'health.load.balance', transport: 'udp' }),
  'dns-tcp': dnsProbe({ name: 'health.load.balance', transport: 'tcp' }),
  http,
  'http-fresh': httpHeaderProbe({ keepAlive: false }),
  agent: agentProbe(),
};
for (const job of jobs) {
  const result = await probes[job.kind].check(job, { timeoutMs: job.timeoutMs });
  const line = result.match(
    (ok) => ({ job, ok: true, latencyMs: ok.latencyMs }),
    (e) => ({ job, ok: false, kind: e.kind, message: e.message, latencyMs: e.latencyMs }),
  );
  console.log(JSON.stringify(line));
}
// Handles closed in this tick are released on the next loop turn.
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
await settle();
const beforeClose = process.getActiveResourcesInfo();
await http.close();
await settle();
console.log(JSON.stringify({ beforeClose, resources: process.getActiveResourcesInfo() }));
