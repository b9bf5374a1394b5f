/**
 * A Prometheus exporter for a running balancer, for any daemon that embeds
 * lbkit: counters kept from the balancer's events (O(1) per event: two map
 * lookups and a dozen compares), rendered on demand in the text exposition
 * format 0.0.4 (O(services + destinations) per scrape, from one
 * `balancer.status()`). It opens no socket: mount `handler` on an HTTP
 * server, or serve `render()` yourself.
 *
 * Labels are only validated data (service and destination names, addresses,
 * ports) and fixed words; what peers send (TXT identities, header values,
 * error texts) never becomes a label or a sample.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResultAsync } from 'neverthrow';
import type { BackendError } from '../backend.js';
import type { Balancer, ServiceView } from '../balancer-types.js';
import type { ObservedDestination, ObservedState } from '../desired.js';
import { formatServiceKey } from '../service-key.js';
import { Exposition, escapeLabelValue, PROMETHEUS_CONTENT_TYPE } from './exposition.js';
import { DEFAULT_DURATION_BUCKETS, Histogram, validBuckets } from './histogram.js';

/**
 * Current flows (connections) per destination, by service name then
 * destination name; a destination that is absent has no sample.
 */
export type FlowCounts = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Options of `createBalancerMetrics`; every source is optional. */
export interface BalancerMetricsOptions {
  /** Upper bounds (seconds) of the check and apply histograms. Default `DEFAULT_DURATION_BUCKETS`. */
  readonly buckets?: readonly number[];
  /**
   * One check-duration histogram per destination instead of one per service
   * (16 series per destination: 480,000 lines at 30,000 destinations).
   * Default false.
   */
  readonly latencyByDestination?: boolean;
  /**
   * Reads the kernel at each scrape, e.g. `() => backend.read()`: adds
   * `lbkit_kernel_read_ok`, `lbkit_destination_kernel_serving` and, when the
   * backend has counters, `lbkit_destination_packets_total`.
   */
  readonly kernel?: () => ResultAsync<ObservedState, BackendError>;
  /**
   * Current flows per destination at each scrape, for a backend that can count
   * them (conntrack entries, IPVS active connections): adds
   * `lbkit_destination_flows`. `undefined` (or a throw) = not known now.
   */
  readonly flows?: () => Promise<FlowCounts | undefined>;
  /**
   * More exposition text appended at each scrape (e.g. `renderHaMetrics`); a
   * source that throws is left out and counted in
   * `lbkit_metrics_source_failures_total`.
   */
  readonly sources?: readonly (() => string | Promise<string>)[];
}

/** The exporter of one balancer. */
export interface BalancerMetrics {
  /** The whole exposition text now; never rejects (failing sources are left out and counted). */
  render(): Promise<string>;
  /** `Content-Type` of `render()`'s text. */
  readonly contentType: string;
  /**
   * A `node:http` request handler (`createServer(m.handler)`, or mounted on a
   * route): GET and HEAD get the text, other methods 405.
   */
  readonly handler: (request: IncomingMessage, response: ServerResponse) => void;
  /** Unsubscribes from the balancer's events. */
  close(): void;
}

/** Counters of one destination. */
interface DestinationCounters {
  ok: number;
  failed: number;
  histogram?: Histogram;
}

/** Counters of one service. */
interface ServiceCounters {
  readonly destinations: Map<string, DestinationCounters>;
  histogram?: Histogram;
}

const HEALTH_STATES = ['up', 'down', 'unknown'] as const;
const ADMIN_STATES = ['enabled', 'drained', 'disabled'] as const;

/**
 * Starts counting `balancer`'s events and returns its exporter. Throws a
 * `TypeError` for buckets that are not positive, finite and increasing.
 */
export function createBalancerMetrics(
  balancer: Balancer,
  options: BalancerMetricsOptions = {},
): BalancerMetrics {
  const buckets = options.buckets ?? DEFAULT_DURATION_BUCKETS;
  if (!validBuckets(buckets)) {
    throw new TypeError('metrics buckets must be positive, finite and strictly increasing');
  }
  const byDestination = options.latencyByDestination ?? false;
  const services = new Map<string, ServiceCounters>();
  const applies = { changed: 0, unchanged: 0, failed: 0 };
  const applyDuration = new Histogram(buckets);
  const drift = { clean: 0, drift: 0, failed: 0, repairs: 0 };
  let stalls = 0;
  let sourceFailures = 0;

  const countersOf = (service: string, destination: string): DestinationCounters => {
    let s = services.get(service);
    if (!s) {
      s = { destinations: new Map() };
      services.set(service, s);
    }
    let d = s.destinations.get(destination);
    if (!d) {
      d = { ok: 0, failed: 0 };
      s.destinations.set(destination, d);
    }
    if (byDestination) d.histogram ??= new Histogram(buckets);
    else s.histogram ??= new Histogram(buckets);
    return d;
  };

  /** Forgets the counters of what the configuration no longer has (once per change). */
  const prune = (removed: readonly string[], updated: readonly string[]): void => {
    for (const name of removed) services.delete(name);
    if (updated.length === 0) return;
    const names = new Set(updated);
    for (const service of balancer.services()) {
      const s = names.has(service.name) ? services.get(service.name) : undefined;
      if (!s) continue;
      const keep = new Set(service.destinations.map((d) => d.name));
      for (const name of s.destinations.keys()) if (!keep.has(name)) s.destinations.delete(name);
    }
  };

  const off = [
    balancer.on('check', (e) => {
      const d = countersOf(e.service, e.destination);
      if (e.result.ok) d.ok++;
      else d.failed++;
      const seconds = e.result.latencyMs / 1000;
      (d.histogram ?? services.get(e.service)?.histogram)?.observe(seconds);
    }),
    balancer.on('applied', (e) => {
      if (e.report.operations === 0) {
        applies.unchanged++;
        return;
      }
      applies.changed++;
      applyDuration.observe(e.report.durationMs / 1000);
    }),
    balancer.on('applyFailed', () => {
      applies.failed++;
    }),
    balancer.on('driftChecked', (e) => {
      drift[e.outcome]++;
    }),
    balancer.on('drift', (e) => {
      if (e.repaired && !e.error) drift.repairs++;
    }),
    balancer.on('watchdog', () => {
      stalls++;
    }),
    balancer.on('configChanged', (e) => prune(e.removed, e.updated)),
  ];

  const render = async (): Promise<string> => {
    const [kernel, flows, extra] = await Promise.all([
      readKernel(options.kernel),
      readFlows(options.flows),
      Promise.all(
        (options.sources ?? []).map(async (source) => {
          try {
            return await source();
          } catch {
            sourceFailures++;
            return '';
          }
        }),
      ),
    ]);
    const out = new Exposition();
    const views = balancer.status();
    await writeDestinations(out, views, services, byDestination ? buckets : undefined);
    await writeServices(out, views, services, buckets, byDestination);
    if (options.kernel) await writeKernel(out, views, kernel);
    if (flows) await writeFlows(out, views, flows);
    writeBalancer(out, { applies, applyDuration, drift, stalls, ready: balancer.ready });
    if (options.sources) {
      out.sample(
        out.family(
          'lbkit_metrics_source_failures_total',
          'counter',
          'Scrapes where an extra metrics source failed and was left out.',
        ),
        '',
        sourceFailures,
      );
    }
    for (const text of extra) out.raw(text);
    return out.text();
  };

  return {
    render,
    contentType: PROMETHEUS_CONTENT_TYPE,
    handler(request, response) {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
        response.end('method not allowed\n');
        return;
      }
      void render().then((text) => {
        response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
        response.end(request.method === 'HEAD' ? undefined : text);
      });
    },
    close() {
      for (const unsubscribe of off) unsubscribe();
    },
  };
}

/** Rows between two yields to the event loop: a large scrape must not stall the probes. */
const ROWS_PER_SLICE = 4096;

/** Runs `fn` on every item, yielding to the event loop after every `ROWS_PER_SLICE` items. */
async function each<T>(items: readonly T[], fn: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % ROWS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    fn(items[i]!);
  }
}

const destinationLabels = (service: string, destination: string): string =>
  `service="${escapeLabelValue(service)}",destination="${escapeLabelValue(destination)}"`;

/** Per-destination families, each contiguous. */
async function writeDestinations(
  out: Exposition,
  views: readonly ServiceView[],
  counters: ReadonlyMap<string, ServiceCounters>,
  perDestinationBuckets: readonly number[] | undefined,
): Promise<void> {
  const rows = views.flatMap((view) =>
    view.destinations.map((d) => ({
      d,
      labels: destinationLabels(view.service.name, d.name),
      counters: counters.get(view.service.name)?.destinations.get(d.name),
    })),
  );
  const info = out.family(
    'lbkit_destination_info',
    'gauge',
    'A configured destination (always 1), with its address and port.',
  );
  await each(rows, (r) => {
    out.sample(
      info,
      `${r.labels},address="${escapeLabelValue(r.d.address)}",port="${r.d.port}"`,
      1,
    );
  });
  const health = out.family(
    'lbkit_destination_health',
    'gauge',
    'Health verdict of the destination: 1 for its state (up, down, unknown = no verdict yet).',
  );
  await each(rows, (r) => {
    for (const s of HEALTH_STATES)
      out.sample(health, `${r.labels},state="${s}"`, r.d.health === s ? 1 : 0);
  });
  const admin = out.family(
    'lbkit_destination_admin',
    'gauge',
    'Operator state of the destination: 1 for its state (enabled, drained, disabled).',
  );
  await each(rows, (r) => {
    for (const s of ADMIN_STATES)
      out.sample(admin, `${r.labels},state="${s}"`, r.d.admin === s ? 1 : 0);
  });
  const serving = out.family(
    'lbkit_destination_serving',
    'gauge',
    '1 when the balancer sends new flows to the destination (the desired state).',
  );
  await each(rows, (r) => {
    out.sample(serving, r.labels, r.d.serving ? 1 : 0);
  });
  const weight = out.family('lbkit_destination_weight', 'gauge', 'Configured weight.');
  await each(rows, (r) => {
    out.sample(weight, r.labels, r.d.weight);
  });
  const checks = out.family(
    'lbkit_destination_checks_total',
    'counter',
    'Health checks finished, by result (ok, failed).',
  );
  await each(rows, (r) => {
    out.sample(checks, `${r.labels},result="ok"`, r.counters?.ok ?? 0);
    out.sample(checks, `${r.labels},result="failed"`, r.counters?.failed ?? 0);
  });
  const last = out.family(
    'lbkit_destination_last_check_duration_seconds',
    'gauge',
    'Duration of the last finished health check.',
  );
  await each(rows, (r) => {
    if (r.d.lastResult) out.sample(last, r.labels, r.d.lastResult.latencyMs / 1000);
  });
  if (perDestinationBuckets) {
    const name = out.family(
      'lbkit_check_duration_seconds',
      'histogram',
      'Duration of every finished health check, passed or failed (a timeout counts its timeout).',
    );
    await each(rows, (r) => {
      (r.counters?.histogram ?? new Histogram(perDestinationBuckets)).write(out, name, r.labels);
    });
  }
}

/** Per-service families: emptiness, and `lbkit_check_duration_seconds` unless per destination. */
async function writeServices(
  out: Exposition,
  views: readonly ServiceView[],
  counters: ReadonlyMap<string, ServiceCounters>,
  buckets: readonly number[],
  perDestination: boolean,
): Promise<void> {
  const empty = out.family(
    'lbkit_service_empty',
    'gauge',
    '1 when no destination of the service takes new flows (its when-empty verdict applies).',
  );
  await each(views, (view) => {
    out.sample(empty, `service="${escapeLabelValue(view.service.name)}"`, view.empty ? 1 : 0);
  });
  if (perDestination) return;
  const name = out.family(
    'lbkit_check_duration_seconds',
    'histogram',
    "Duration of every finished health check of the service's destinations, passed or failed (a timeout counts its timeout).",
  );
  await each(views, (view) => {
    const histogram = counters.get(view.service.name)?.histogram ?? new Histogram(buckets);
    histogram.write(out, name, `service="${escapeLabelValue(view.service.name)}"`);
  });
}

/** What one kernel read gave: the state, or undefined when it failed. */
async function readKernel(
  read: BalancerMetricsOptions['kernel'],
): Promise<ObservedState | undefined> {
  if (!read) return undefined;
  try {
    const result = await read();
    return result.isOk() ? result.value : undefined;
  } catch {
    return undefined;
  }
}

async function readFlows(read: BalancerMetricsOptions['flows']): Promise<FlowCounts | undefined> {
  if (!read) return undefined;
  try {
    return await read();
  } catch {
    return undefined;
  }
}

const kernelKey = (service: string, address: string, port: number): string =>
  `${service}\u0000${address}\u0000${port}`;

/** The kernel's view of every destination: one index per scrape, never a search per row. */
async function writeKernel(
  out: Exposition,
  views: readonly ServiceView[],
  observed: ObservedState | undefined,
): Promise<void> {
  out.sample(
    out.family('lbkit_kernel_read_ok', 'gauge', '1 when this scrape could read the kernel state.'),
    '',
    observed ? 1 : 0,
  );
  if (!observed) return;
  const index = new Map<string, ObservedDestination>();
  for (const s of observed.services) {
    const key = formatServiceKey(s.key);
    for (const d of s.destinations) index.set(kernelKey(key, d.address, d.port), d);
  }
  const rows = views.flatMap((view) => {
    const key = formatServiceKey(view.service.key);
    return view.destinations.map((d) => ({
      labels: destinationLabels(view.service.name, d.name),
      kernel: index.get(kernelKey(key, d.address, d.port)),
    }));
  });
  const serving = out.family(
    'lbkit_destination_kernel_serving',
    'gauge',
    '1 when the kernel sends new flows to the destination (read back at this scrape).',
  );
  await each(rows, (r) => {
    out.sample(serving, r.labels, r.kernel && r.kernel.weight > 0 ? 1 : 0);
  });
  if (!rows.some((r) => r.kernel?.packets !== undefined)) return;
  const packets = out.family(
    'lbkit_destination_packets_total',
    'counter',
    "Packets the kernel's counters give the destination (nftables: the first packet of each new flow, counted at NAT).",
  );
  await each(rows, (r) => {
    if (r.kernel?.packets !== undefined) out.sample(packets, r.labels, r.kernel.packets);
  });
}

async function writeFlows(
  out: Exposition,
  views: readonly ServiceView[],
  flows: FlowCounts,
): Promise<void> {
  const name = out.family(
    'lbkit_destination_flows',
    'gauge',
    'Flows (connections) to the destination now, as the backend counts them.',
  );
  await each(views, (view) => {
    const counts = flows.get(view.service.name);
    if (!counts) return;
    for (const d of view.destinations) {
      const n = counts.get(d.name);
      if (n !== undefined) out.sample(name, destinationLabels(view.service.name, d.name), n);
    }
  });
}

/** Balancer-wide families. */
function writeBalancer(
  out: Exposition,
  state: {
    readonly applies: {
      readonly changed: number;
      readonly unchanged: number;
      readonly failed: number;
    };
    readonly applyDuration: Histogram;
    readonly drift: {
      readonly clean: number;
      readonly drift: number;
      readonly failed: number;
      readonly repairs: number;
    };
    readonly stalls: number;
    readonly ready: boolean;
  },
): void {
  const applies = out.family(
    'lbkit_applies_total',
    'counter',
    'Applies of the desired state, by result (changed: the kernel was updated; unchanged: it already matched; failed: retried later).',
  );
  for (const result of ['changed', 'unchanged', 'failed'] as const) {
    out.sample(applies, `result="${result}"`, state.applies[result]);
  }
  state.applyDuration.write(
    out,
    out.family(
      'lbkit_apply_duration_seconds',
      'histogram',
      'Duration of the applies that updated the kernel.',
    ),
    '',
  );
  const checks = out.family(
    'lbkit_drift_checks_total',
    'counter',
    'Drift checks of the kernel state, by result (clean, drift: found a difference, failed: the check failed).',
  );
  for (const result of ['clean', 'drift', 'failed'] as const) {
    out.sample(checks, `result="${result}"`, state.drift[result]);
  }
  out.sample(
    out.family(
      'lbkit_drift_repairs_total',
      'counter',
      'Times the kernel differed from what was applied (flushed, deleted, edited) and was rewritten.',
    ),
    '',
    state.drift.repairs,
  );
  out.sample(
    out.family(
      'lbkit_watchdog_stalls_total',
      'counter',
      'Times no health check finished for the watchdog period although checks are configured.',
    ),
    '',
    state.stalls,
  );
  out.sample(
    out.family('lbkit_ready', 'gauge', '1 once every destination has had its first verdict.'),
    '',
    state.ready ? 1 : 0,
  );
}
