/**
 * What the demo's balancer agent (running inside the lb namespace) reports to
 * the demo on stdout: one JSON object per line.
 */

/** A finished health check of one destination of one service. */
export interface CheckMessage {
  readonly type: 'check';
  readonly at: number;
  readonly service: string;
  readonly destination: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** A health transition. */
export interface HealthMessage {
  readonly type: 'health';
  readonly at: number;
  readonly service: string;
  readonly destination: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

/** The kernel now matches a desired state; `serving` lists destinations with weight > 0. */
export interface AppliedMessage {
  readonly type: 'applied';
  readonly at: number;
  readonly operations: number;
  readonly ms: number;
  readonly changed: readonly string[];
  readonly serving: Readonly<Record<string, readonly string[]>>;
}

/** The agent started (backend and services are known) or every destination has a verdict. */
export interface LifecycleMessage {
  readonly type: 'started' | 'ready' | 'stopped';
  readonly at: number;
  readonly detail?: string;
}

/** Something went wrong in the agent (apply failure, watchdog, fatal error). */
export interface ProblemMessage {
  readonly type: 'problem';
  readonly at: number;
  readonly message: string;
  readonly fatal: boolean;
}

/** The node's VRRP role changed (`--ha`: a node of a keepalived pair). */
export interface RoleMessage {
  readonly type: 'role';
  readonly at: number;
  readonly role: string;
  readonly previous: string;
  readonly reason: string;
}

/** Something the HA node did (keepalived started or died, stale VIPs removed, health told). */
export interface HaMessage {
  readonly type: 'ha';
  readonly at: number;
  readonly message: string;
}

/** Any agent message. */
export type AgentMessage =
  | CheckMessage
  | HealthMessage
  | AppliedMessage
  | LifecycleMessage
  | ProblemMessage
  | RoleMessage
  | HaMessage;

const TYPES = new Set([
  'check',
  'health',
  'applied',
  'started',
  'ready',
  'stopped',
  'problem',
  'role',
  'ha',
]);

/** Parses one line of agent output; `undefined` for anything that is not a message. */
export function parseAgentLine(line: string): AgentMessage | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { type?: unknown };
    return typeof value.type === 'string' && TYPES.has(value.type)
      ? (value as AgentMessage)
      : undefined;
  } catch {
    return undefined;
  }
}
