import type { HealthSettings, ProbeSpec, Protocol } from '../model.js';
import type { AgentReport, ProbeError, ProbeTarget } from '../probe.js';
import type { AgentState } from './agent-state.js';

/** Health of one checked target. `unknown` = no verdict yet (not served). */
export type HealthState = 'up' | 'down' | 'unknown';

/** One check the engine runs. Identical definitions (same `key`) run once. */
export interface CheckDefinition {
  /** Dedupe key, see `checkKey()`. */
  readonly key: string;
  readonly spec: ProbeSpec;
  /** The service protocol (DNS transport default). */
  readonly protocol: Protocol;
  readonly target: ProbeTarget;
  readonly settings: HealthSettings;
}

/** The outcome of one check run. */
export interface CheckResult {
  readonly ok: boolean;
  /** Epoch ms when the check finished. */
  readonly at: number;
  readonly latencyMs: number;
  /** Who answered (TXT text, header value), when the probe reports it. */
  readonly identity?: string;
  /** Why it failed. */
  readonly error?: ProbeError;
  /** What an agent-style probe said (see `AgentReport`). */
  readonly agent?: AgentReport;
}

/** Observable status of one check. */
export interface CheckStatus {
  readonly state: HealthState;
  /** Epoch ms of the last state change (or of creation). */
  readonly since: number;
  /** Consecutive successes (reset by a failure). */
  readonly successes: number;
  /** Consecutive failures (reset by a success). */
  readonly failures: number;
  readonly lastResult?: CheckResult;
  /** Total runs, successes and failures since creation. */
  readonly runs: number;
  readonly totalOk: number;
  readonly totalFailed: number;
  /** The agent's sticky state (agent and dynamic exec probes), once it said something. */
  readonly agent?: AgentState;
}

/** A health transition of one check. */
export interface CheckTransition {
  readonly key: string;
  readonly from: HealthState;
  readonly to: HealthState;
  /** Human reason, e.g. `2 consecutive failures: timeout after 1000 ms`. */
  readonly reason: string;
  readonly result: CheckResult;
}
