import pLimit from 'p-limit';
import { TypedEmitter } from '../events.js';
import {
  PROBE_ERROR_KINDS,
  type Probe,
  type ProbeError,
  type ProbeErrorKind,
  type ProbeFactory,
} from '../probe.js';
import { mergeAgentReport } from './agent-state.js';
import { stableJson } from './check-key.js';
import { MAX_IDENTITY_CHARS, MAX_MESSAGE_CHARS, safeText } from './safe-text.js';
import { initialStatus, nextDelay, step } from './state-machine.js';
import type { CheckDefinition, CheckResult, CheckStatus, CheckTransition } from './types.js';

/** Events of the health engine. */
export interface HealthEngineEvents {
  [name: string]: unknown;
  /** A check's state changed. */
  transition: CheckTransition;
  /** A check finished (every run). */
  result: { readonly key: string; readonly result: CheckResult };
  /** An agent changed its check's weight or administrative state (`status(key).agent`). */
  agent: { readonly key: string };
  /** Every check has had its first result. */
  ready: Record<string, never>;
  /** No check finished for `stalledMs` although checks are configured. */
  watchdog: { readonly stalledMs: number };
}

/** Options for `createHealthEngine`. */
export interface HealthEngineOptions {
  /** Builds probes from specs (e.g. `createProbe` from `@lbkit/probes`). */
  readonly probes: ProbeFactory;
  /** Probes running at once, shared by all checks. Default 256. */
  readonly concurrency?: number;
  /**
   * Report a stall when no check finished for this long. Default: three times
   * the longest interval among the checks, at least 5000 ms.
   */
  readonly watchdogMs?: number;
  /** Random source in [0, 1) for start jitter. Default `Math.random`. */
  readonly random?: () => number;
  /** Clock (epoch ms). Default `Date.now`. */
  readonly now?: () => number;
  /** Grace added to a check's timeout before the engine gives up on a probe. Default 100 ms. */
  readonly graceMs?: number;
}

/** Runs checks on their schedules, at most `concurrency` at once. */
export interface HealthEngine {
  on: TypedEmitter<HealthEngineEvents>['on'];
  /** Sets the checks to run: new keys start (after jitter), missing keys stop. */
  update(checks: readonly CheckDefinition[]): void;
  status(key: string): CheckStatus | undefined;
  /** True when every check has had at least one result. */
  readonly ready: boolean;
  /** Epoch ms of the last finished check (or of start). */
  readonly lastActivity: number;
  /** Number of distinct checks. */
  readonly size: number;
  /** Stops every timer and aborts running checks. */
  stop(): void;
}

interface Entry {
  readonly def: CheckDefinition;
  readonly probe: Probe;
  status: CheckStatus;
  timer?: NodeJS.Timeout | undefined;
  running?: AbortController | undefined;
}

const KINDS: ReadonlySet<string> = new Set(PROBE_ERROR_KINDS);

/**
 * A probe's error as the engine passes it on: a known kind (else `internal`)
 * and an escaped, capped message — whatever a third-party probe returned.
 */
const safeError = (error: ProbeError, latencyMs: number): ProbeError => ({
  kind: KINDS.has(error.kind) ? error.kind : ('internal' as ProbeErrorKind),
  message: safeText(error.message, MAX_MESSAGE_CHARS),
  latencyMs: Number.isFinite(error.latencyMs) ? error.latencyMs : latencyMs,
});

/** What a throwing probe threw, as text (even when its `toString` throws too). */
function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'the probe threw';
  }
}

/** Creates a health engine. Nothing runs until `update()` gives it checks. */
export function createHealthEngine(options: HealthEngineOptions): HealthEngine {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const graceMs = options.graceMs ?? 100;
  const limit = pLimit(options.concurrency ?? 256);
  const emitter = new TypedEmitter<HealthEngineEvents>();
  const entries = new Map<string, Entry>();
  const probes = new Map<string, Probe>();
  let lastActivity = now();
  let wasReady = false;
  let stopped = false;
  let watchdog: NodeJS.Timeout | undefined;
  let lastStallReport = 0;

  const probeId = (def: CheckDefinition): string =>
    stableJson({ spec: def.spec, protocol: def.protocol });

  const probeFor = (def: CheckDefinition): Probe => {
    const id = probeId(def);
    let probe = probes.get(id);
    if (!probe) {
      probe = options.probes(def.spec, { protocol: def.protocol });
      probes.set(id, probe);
    }
    return probe;
  };

  /** Checks still waiting for their first result (kept as a count: no scan per result). */
  let awaitingFirst = 0;
  const isReady = (): boolean => awaitingFirst === 0;

  const schedule = (entry: Entry, delay: number): void => {
    if (stopped || entries.get(entry.def.key) !== entry) return;
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void limit(() => runOnce(entry)).then((result) => finish(entry, result));
    }, delay);
  };

  const runOnce = async (entry: Entry): Promise<CheckResult | undefined> => {
    if (stopped || entries.get(entry.def.key) !== entry) return undefined;
    const controller = new AbortController();
    entry.running = controller;
    const timeoutMs = entry.def.settings.timeout;
    const started = performance.now();
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<ProbeError>((resolve) => {
      deadline = setTimeout(() => {
        controller.abort();
        resolve({
          kind: 'timeout',
          message: `no answer within ${timeoutMs} ms`,
          latencyMs: timeoutMs,
        });
      }, timeoutMs + graceMs);
    });
    try {
      const outcome = await Promise.race([
        entry.probe.check(entry.def.target, { signal: controller.signal, timeoutMs }),
        expired,
      ]);
      const latencyMs = performance.now() - started;
      if ('kind' in outcome) return { ok: false, at: now(), latencyMs, error: outcome };
      if (outcome.isOk()) {
        const { identity, agent } = outcome.value;
        return {
          ok: true,
          at: now(),
          latencyMs: outcome.value.latencyMs,
          ...(identity ? { identity: safeText(identity, MAX_IDENTITY_CHARS) } : {}),
          ...(agent ? { agent } : {}),
        };
      }
      return { ok: false, at: now(), latencyMs, error: safeError(outcome.error, latencyMs) };
    } catch (error) {
      const message = safeText(describeThrown(error), MAX_MESSAGE_CHARS);
      const latencyMs = performance.now() - started;
      return { ok: false, at: now(), latencyMs, error: { kind: 'internal', message, latencyMs } };
    } finally {
      clearTimeout(deadline);
      entry.running = undefined;
    }
  };

  const finish = (entry: Entry, result: CheckResult | undefined): void => {
    if (!result || stopped || entries.get(entry.def.key) !== entry) return;
    lastActivity = now();
    const { status, changed } = step(entry.status, result, entry.def.settings);
    if (entry.status.runs === 0) awaitingFirst--;
    // Agent words are sticky: the state outlives results that say nothing (and failures).
    const agent = mergeAgentReport(entry.status.agent, result.ok ? result.agent : undefined);
    const agentChanged = agent !== entry.status.agent;
    entry.status = agent ? { ...status, agent } : status;
    emitter.emit('result', { key: entry.def.key, result });
    if (agentChanged) emitter.emit('agent', { key: entry.def.key });
    if (changed) emitter.emit('transition', { key: entry.def.key, ...changed, result });
    checkReady();
    schedule(entry, nextDelay(status, entry.def.settings));
  };

  const checkReady = (): void => {
    const ready = isReady();
    if (ready && !wasReady) emitter.emit('ready', {});
    wasReady = ready;
  };

  /** The longest interval among the checks, kept by `update` (no scan per watchdog tick). */
  let longestInterval = 0;
  const watchdogPeriod = (): number =>
    options.watchdogMs !== undefined ? options.watchdogMs : Math.max(5000, 3 * longestInterval);

  const armWatchdog = (): void => {
    if (watchdog || stopped) return;
    const tick = (): void => {
      const period = watchdogPeriod();
      const stalledMs = now() - lastActivity;
      if (entries.size > 0 && stalledMs > period && now() - lastStallReport >= period) {
        lastStallReport = now();
        emitter.emit('watchdog', { stalledMs });
      }
      watchdog = setTimeout(tick, Math.max(250, period / 2));
      watchdog.unref();
    };
    watchdog = setTimeout(tick, Math.max(250, watchdogPeriod() / 2));
    watchdog.unref();
  };

  const remove = (entry: Entry): void => {
    clearTimeout(entry.timer);
    entry.running?.abort();
    entries.delete(entry.def.key);
    if (entry.status.runs === 0) awaitingFirst--;
  };

  /** Closes probes no check uses any more (their pooled connections go with them). */
  const closeUnusedProbes = (): void => {
    const used = new Set([...entries.values()].map((e) => probeId(e.def)));
    for (const [id, probe] of probes) {
      if (used.has(id)) continue;
      probes.delete(id);
      void Promise.resolve()
        .then(() => probe.close?.())
        .catch(() => undefined);
    }
  };

  return {
    on: emitter.on.bind(emitter),
    update(checks) {
      if (stopped) return;
      const wanted = new Map(checks.map((c) => [c.key, c]));
      longestInterval = 0;
      for (const def of wanted.values()) {
        if (def.settings.interval > longestInterval) longestInterval = def.settings.interval;
      }
      for (const entry of [...entries.values()]) if (!wanted.has(entry.def.key)) remove(entry);
      for (const def of wanted.values()) {
        if (entries.has(def.key)) continue;
        const entry: Entry = {
          def,
          probe: probeFor(def),
          status: initialStatus(def.settings, now()),
        };
        entries.set(def.key, entry);
        awaitingFirst++;
        schedule(entry, Math.floor(random() * def.settings.jitter));
      }
      closeUnusedProbes();
      if (entries.size > 0 && lastActivity < now() - watchdogPeriod()) lastActivity = now();
      checkReady();
      armWatchdog();
    },
    status: (key) => entries.get(key)?.status,
    get ready() {
      return isReady();
    },
    get lastActivity() {
      return lastActivity;
    },
    get size() {
      return entries.size;
    },
    stop() {
      stopped = true;
      clearTimeout(watchdog);
      for (const entry of [...entries.values()]) remove(entry);
      closeUnusedProbes();
      limit.clearQueue();
    },
  };
}
