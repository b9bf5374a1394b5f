import {
  type AgentReport,
  type CheckOptions,
  MAX_IDENTITY_CHARS,
  MAX_MESSAGE_CHARS,
  type ProbeError,
  type ProbeErrorKind,
  type ProbeOk,
  safeText,
} from '@lbkit/core';
import { err, ok, type Result, ResultAsync } from 'neverthrow';

/** Longest delay `setTimeout` accepts (2^31 - 1 ms); longer timeouts are clamped. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The life of one check: a settle-once verdict, the whole-check deadline and
 * the caller's abort signal, and the resources to release when it ends.
 *
 * A probe body opens its socket, registers its release with {@link CheckScope.defer},
 * and calls {@link CheckScope.succeed} or {@link CheckScope.fail} once. Whatever
 * comes first (verdict, deadline, abort) settles the check; the timer, the abort
 * listener and every deferred release are then run exactly once, synchronously.
 */
export class CheckScope {
  /** `performance.now()` when the check started. */
  readonly startedAt: number;
  #settled = false;
  #resolve: ((result: Result<ProbeOk, ProbeError>) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #signal: AbortSignal | undefined;
  #release: (() => void) | undefined;
  #releases: (() => void)[] | undefined;

  private constructor(resolve: (result: Result<ProbeOk, ProbeError>) => void) {
    this.startedAt = performance.now();
    this.#resolve = resolve;
  }

  /**
   * Runs `body` under a fresh scope bounded by `options.timeoutMs` and `options.signal`.
   * A `body` that throws fails the check with kind `internal` (never rejects).
   */
  static run(
    options: CheckOptions,
    body: (scope: CheckScope) => void,
  ): ResultAsync<ProbeOk, ProbeError> {
    let scope: CheckScope | undefined;
    const promise = new Promise<Result<ProbeOk, ProbeError>>((resolve) => {
      scope = new CheckScope(resolve);
    });
    const s = scope!;
    s.#arm(options);
    if (!s.#settled) {
      try {
        body(s);
      } catch (error) {
        s.fail('internal', `probe failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    return new ResultAsync(promise);
  }

  /** True once a verdict is in; later calls to `succeed`/`fail` are ignored. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Milliseconds since the check started. */
  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  /** Registers a release run once when the check settles (immediately if it already has). */
  defer(release: () => void): void {
    if (this.#settled) {
      safely(release);
    } else if (this.#release === undefined) {
      this.#release = release;
    } else {
      this.#releases ??= [];
      this.#releases.push(release);
    }
  }

  /**
   * Settles the check as a success, with the observed identity if any. The
   * identity is peer text: it is escaped and capped (`safeText`, 256 characters).
   * `agent`: what an agent-style probe parsed (weight percent, admin state).
   */
  succeed(identity?: string, agent?: AgentReport): void {
    if (this.#settled) return;
    const latencyMs = this.elapsed();
    this.#finish(
      ok({
        latencyMs,
        ...(identity !== undefined ? { identity: safeText(identity, MAX_IDENTITY_CHARS) } : {}),
        ...(agent !== undefined ? { agent } : {}),
      }),
    );
  }

  /** Settles the check as a failure; the message is escaped and capped (512 characters). */
  fail(kind: ProbeErrorKind, message: string): void {
    if (this.#settled) return;
    const safe = safeText(message, MAX_MESSAGE_CHARS);
    this.#finish(err({ kind, message: safe, latencyMs: this.elapsed() }));
  }

  /** Called by the signal watcher when the caller's signal fires. */
  abortNow(): void {
    this.fail('aborted', 'check aborted');
  }

  #arm(options: CheckOptions): void {
    const signal = options.signal;
    if (signal?.aborted) {
      this.fail('aborted', 'check aborted before it started');
      return;
    }
    const timeoutMs = options.timeoutMs;
    if (!(timeoutMs > 0)) {
      this.fail('timeout', `timeout ${timeoutMs} ms is not a positive number`);
      return;
    }
    this.#timer = setTimeout(onDeadline, Math.min(timeoutMs, MAX_TIMER_MS), this, timeoutMs);
    if (signal) {
      this.#signal = signal;
      watch(signal, this);
    }
  }

  #finish(result: Result<ProbeOk, ProbeError>): void {
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#signal) watchers.get(this.#signal)?.delete(this);
    this.#signal = undefined;
    const release = this.#release;
    this.#release = undefined;
    if (release) safely(release);
    const releases = this.#releases;
    this.#releases = undefined;
    if (releases) for (const r of releases) safely(r);
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.(result);
  }
}

/**
 * One abort listener per caller signal, fanning out to the checks under way:
 * a health engine shares one signal among hundreds of concurrent checks, and
 * per-check listeners would trip Node's MaxListeners warning and make each
 * removal a list scan.
 */
const watchers = new WeakMap<AbortSignal, Set<CheckScope>>();

function watch(signal: AbortSignal, scope: CheckScope): void {
  let scopes = watchers.get(signal);
  if (scopes === undefined) {
    const set = new Set<CheckScope>();
    scopes = set;
    watchers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const s of [...set]) s.abortNow();
        set.clear();
      },
      { once: true },
    );
  }
  scopes.add(scope);
}

function onDeadline(scope: CheckScope, timeoutMs: number): void {
  scope.fail('timeout', `no verdict within ${timeoutMs} ms`);
}

function safely(release: () => void): void {
  try {
    release();
  } catch {
    // A release must never break the verdict; sockets are already being torn down.
  }
}
