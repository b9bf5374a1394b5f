import type { AgentReport } from '../probe.js';

/**
 * The sticky state an agent has set on one check (HAProxy agent-check): what
 * it said last about each parameter. A parameter the agent does not mention
 * keeps its value; only the agent reverts its own actions (`ready` after
 * `drain`/`maint`, a new percent after `50%`).
 */
export interface AgentState {
  /** Percent of the configured weight, 0..256. Default 100. */
  readonly percent: number;
  /** Absolute weight that replaces the configured one (`misc_dynamic`), when said. */
  readonly weight?: number;
  /** `ready` (default), `drain` (weight 0) or `maint` (out of service). */
  readonly admin: 'ready' | 'drain' | 'maint';
}

/** The state of a check whose agent never said anything. */
export const AGENT_DEFAULT: AgentState = { percent: 100, admin: 'ready' };

const ADMIN: ReadonlySet<unknown> = new Set(['ready', 'drain', 'maint']);

const inRange = (value: unknown, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;

/**
 * `state` with `report` merged in. A probe's report is untrusted (a
 * third-party probe may return anything): a field out of range or of the
 * wrong type is ignored. Returns `state` itself when nothing changed.
 */
export function mergeAgentReport(
  state: AgentState | undefined,
  report: AgentReport | undefined,
): AgentState | undefined {
  if (report === undefined || typeof report !== 'object' || report === null) return state;
  const base = state ?? AGENT_DEFAULT;
  const percent = inRange(report.percent, 256) ? report.percent : base.percent;
  const weight = inRange(report.weight, 65535) ? report.weight : base.weight;
  const admin = ADMIN.has(report.admin) ? (report.admin as AgentState['admin']) : base.admin;
  if (state !== undefined && percent === state.percent && weight === state.weight) {
    if (admin === state.admin) return state;
  }
  if (state === undefined && percent === 100 && weight === undefined && admin === 'ready') {
    return undefined;
  }
  return { percent, admin, ...(weight !== undefined ? { weight } : {}) };
}
