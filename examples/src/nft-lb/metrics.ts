/**
 * Prometheus text exposition (format 0.0.4) of a running balancer:
 * per-destination health and serving state, last probe latency, check
 * counts, apply latency and counts, and packets per destination from the
 * kernel counters. Off unless `--metrics HOST:PORT` is given.
 */
import { createServer, type Server } from 'node:http';
import {
  type Balancer,
  formatServiceKey,
  type ObservedDestination,
  type ObservedState,
  type ServiceKey,
} from '@lbkit/core';

/** Counters the daemon keeps from balancer events. */
export interface MetricsCounters {
  /** `service\0destination` -> [ok, failed] checks. */
  readonly checks: Map<string, [number, number]>;
  applies: number;
  applyFailures: number;
  lastApplyMs: number;
  /** Drift found in the kernel and repaired / drift checks that failed. */
  driftRepairs: number;
  driftFailures: number;
}

/** Fresh counters, updated by `countEvents`. */
export function countEvents(balancer: Balancer): MetricsCounters {
  const counters: MetricsCounters = {
    checks: new Map(),
    applies: 0,
    applyFailures: 0,
    lastApplyMs: 0,
    driftRepairs: 0,
    driftFailures: 0,
  };
  balancer.on('check', (e) => {
    const key = `${e.service}\u0000${e.destination}`;
    const entry = counters.checks.get(key) ?? [0, 0];
    entry[e.result.ok ? 0 : 1]++;
    counters.checks.set(key, entry);
  });
  balancer.on('applied', (e) => {
    if (e.report.operations === 0) return;
    counters.applies++;
    counters.lastApplyMs = e.report.durationMs;
  });
  balancer.on('applyFailed', () => {
    counters.applyFailures++;
  });
  balancer.on('drift', (e) => {
    if (e.error || !e.repaired) counters.driftFailures++;
    else counters.driftRepairs++;
  });
  return counters;
}

const escapeLabel = (value: string): string =>
  /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;

const labels = (pairs: Record<string, string | number>): string =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(String(v))}"`)
    .join(',')}}`;

const flowKey = (key: ServiceKey, address: string, port: number): string =>
  `${formatServiceKey(key)}\u0000${address}\u0000${port}`;

/** Renders the metrics text. `observed` (kernel counters) is optional. */
export function renderMetrics(
  balancer: Balancer,
  counters: MetricsCounters,
  observed?: ObservedState,
): string {
  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const views = balancer.status();
  const kernel = observed ? observedIndex(observed) : undefined;
  const inKernel = (key: ServiceKey, address: string, port: number) =>
    kernel?.get(flowKey(key, address, port));
  const rows = views.flatMap((view) =>
    view.destinations.map((d) => ({
      view,
      d,
      labels: `{service="${escapeLabel(view.service.name)}",destination="${escapeLabel(d.name)}",address="${escapeLabel(d.address)}",port="${d.port}"}`,
    })),
  );
  family('nftlb_destination_up', 'gauge', '1 when the destination passes its health check.');
  for (const r of rows) out.push(`nftlb_destination_up${r.labels} ${r.d.health === 'up' ? 1 : 0}`);
  family(
    'nftlb_destination_serving',
    'gauge',
    '1 when the kernel sends new flows to the destination (read from the kernel; absent when it cannot be read).',
  );
  if (kernel) {
    for (const r of rows) {
      const dest = inKernel(r.view.service.key, r.d.address, r.d.port);
      out.push(`nftlb_destination_serving${r.labels} ${dest && dest.weight > 0 ? 1 : 0}`);
    }
  }
  family('nftlb_probe_latency_seconds', 'gauge', 'Duration of the last health check.');
  for (const r of rows) {
    if (r.d.lastResult)
      out.push(`nftlb_probe_latency_seconds${r.labels} ${r.d.lastResult.latencyMs / 1000}`);
  }
  family('nftlb_probe_checks_total', 'counter', 'Health checks run, by result.');
  for (const r of rows) {
    const [okCount, failed] = counters.checks.get(`${r.view.service.name}\u0000${r.d.name}`) ?? [
      0, 0,
    ];
    const base = r.labels.slice(0, -1);
    out.push(`nftlb_probe_checks_total${base},result="ok"} ${okCount}`);
    out.push(`nftlb_probe_checks_total${base},result="failed"} ${failed}`);
  }
  family(
    'nftlb_service_empty',
    'gauge',
    '1 when no destination takes new flows (the when-empty verdict applies).',
  );
  for (const view of views) {
    out.push(`nftlb_service_empty${labels({ service: view.service.name })} ${view.empty ? 1 : 0}`);
  }
  family('nftlb_apply_duration_seconds', 'gauge', 'Duration of the last kernel update.');
  out.push(`nftlb_apply_duration_seconds ${counters.lastApplyMs / 1000}`);
  family('nftlb_applies_total', 'counter', 'Kernel updates that changed something.');
  out.push(`nftlb_applies_total ${counters.applies}`);
  family('nftlb_apply_failures_total', 'counter', 'Kernel updates that failed (each is retried).');
  out.push(`nftlb_apply_failures_total ${counters.applyFailures}`);
  family(
    'nftlb_drift_repairs_total',
    'counter',
    'Times the kernel table differed from what was applied (flushed, deleted, dormant, edited) and was rewritten.',
  );
  out.push(`nftlb_drift_repairs_total ${counters.driftRepairs}`);
  family('nftlb_drift_failures_total', 'counter', 'Drift checks or repairs that failed.');
  out.push(`nftlb_drift_failures_total ${counters.driftFailures}`);
  family(
    'nftlb_kernel_read_ok',
    'gauge',
    '1 when this scrape could read the table from the kernel.',
  );
  out.push(`nftlb_kernel_read_ok ${observed ? 1 : 0}`);
  if (observed) {
    family(
      'nftlb_destination_flows_total',
      'counter',
      'New flows sent to the destination (nftables flow-set element counter: first packets, counted at NAT).',
    );
    for (const r of rows) {
      const count = inKernel(r.view.service.key, r.d.address, r.d.port)?.packets;
      if (count !== undefined) out.push(`nftlb_destination_flows_total${r.labels} ${count}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * The kernel's destinations by service key, address and port: one map per
 * scrape (a search per row made a scrape O(n²), seconds at 30,000).
 */
function observedIndex(observed: ObservedState): Map<string, ObservedDestination> {
  const index = new Map<string, ObservedDestination>();
  for (const service of observed.services) {
    for (const o of service.destinations) index.set(flowKey(service.key, o.address, o.port), o);
  }
  return index;
}

/** Serves `GET /metrics`; everything else 404. */
export function serveMetrics(
  host: string,
  port: number,
  render: () => Promise<string>,
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    render().then(
      (text) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      (error: unknown) => response.writeHead(500).end(`${String(error)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
