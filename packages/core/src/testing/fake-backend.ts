import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import {
  type ApplyReport,
  type Backend,
  type BackendCapabilities,
  type BackendError,
  backendError,
  type CloseOptions,
  type FlowCountQuery,
} from '../backend.js';
import type { DesiredService, DesiredState, ObservedState } from '../desired.js';
import { formatServiceKey } from '../service-key.js';

/** The "kernel" a `FakeBackend` writes to; share one between instances to test restarts. */
export interface FakeKernel {
  services: Map<string, DesiredService>;
}

/** Options for `createFakeBackend`. */
export interface FakeBackendOptions {
  /** Shared state standing for the kernel. Default: a fresh one. */
  readonly kernel?: FakeKernel;
  /** Called before each apply; return an error to make that apply fail (nothing applied). */
  readonly failNext?: (desired: DesiredState, applyCount: number) => BackendError | undefined;
  /** Offer `countFlows` (answered from `setFlows`). Default true. */
  readonly countsFlows?: boolean;
}

/** An in-memory backend with call counters, for unit tests of everything above backends. */
export interface FakeBackend extends Backend {
  readonly kernel: FakeKernel;
  /** Every state passed to `apply`, successful or not. */
  readonly applied: DesiredState[];
  /** Number of successful applies. */
  readonly successes: number;
  readonly closed: boolean;
  /** Sets the flows `countFlows` reports for one destination (default 0). */
  setFlows(query: FlowCountQuery, flows: number): void;
  /** Number of `countFlows` calls. */
  readonly flowCounts: number;
}

const flowKey = (q: FlowCountQuery): string =>
  `${formatServiceKey(q.service)} ${q.address} ${q.port}`;

const FAKE_CAPABILITIES: BackendCapabilities = {
  weights: true,
  keepsDrained: true,
  ipv6: true,
  udp: true,
  schedulers: ['rr', 'wrr', 'random', 'sh', 'mh', 'lc', 'wlc'],
};

/** Creates a fake kernel holding no services. */
export const createFakeKernel = (): FakeKernel => ({ services: new Map() });

/**
 * Creates an in-memory `Backend`: `apply` replaces the whole state atomically
 * (or not at all when `failNext` says so); `read` returns what it holds.
 */
export function createFakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const kernel = options.kernel ?? createFakeKernel();
  const applied: DesiredState[] = [];
  let successes = 0;
  let closed = false;
  const flows = new Map<string, number>();
  let flowCounts = 0;

  const countFlows = (
    queries: readonly FlowCountQuery[],
  ): ResultAsync<readonly number[], BackendError> => {
    if (closed) return errAsync(backendError('closed', 'fake backend is closed'));
    flowCounts++;
    return okAsync(queries.map((q) => flows.get(flowKey(q)) ?? 0));
  };

  const apply = (desired: DesiredState): ResultAsync<ApplyReport, BackendError> => {
    if (closed) return errAsync(backendError('closed', 'fake backend is closed'));
    applied.push(desired);
    const failure = options.failNext?.(desired, applied.length);
    if (failure) return errAsync(failure);
    const started = performance.now();
    const next = new Map(desired.services.map((s) => [formatServiceKey(s.key), s]));
    const changed: string[] = [];
    for (const [id, service] of next) {
      if (JSON.stringify(kernel.services.get(id)) !== JSON.stringify(service)) {
        changed.push(service.name);
      }
    }
    for (const [id, service] of kernel.services) if (!next.has(id)) changed.push(service.name);
    kernel.services = next;
    successes++;
    return okAsync({
      operations: changed.length,
      durationMs: performance.now() - started,
      changedServices: changed,
    });
  };

  const read = (): ResultAsync<ObservedState, BackendError> =>
    okAsync({
      services: [...kernel.services.values()].map((s) => ({
        key: s.key,
        name: s.name,
        scheduler: s.scheduler,
        whenEmpty: s.whenEmpty,
        destinations: s.destinations.map((d) => ({
          address: d.address,
          port: d.port,
          weight: d.weight,
        })),
      })),
    });

  const close = (closeOptions: CloseOptions = {}): ResultAsync<void, BackendError> => {
    if (!closeOptions.keep) kernel.services = new Map();
    closed = true;
    return okAsync(undefined);
  };

  return {
    name: 'fake',
    capabilities: FAKE_CAPABILITIES,
    kernel,
    applied,
    get successes() {
      return successes;
    },
    get closed() {
      return closed;
    },
    get flowCounts() {
      return flowCounts;
    },
    setFlows: (query, count) => void flows.set(flowKey(query), count),
    ...(options.countsFlows === false ? {} : { countFlows }),
    apply,
    read,
    close,
  };
}
