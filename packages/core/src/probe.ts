import type { ResultAsync } from 'neverthrow';
import type { ProbeSpec } from './model.js';

/** Where a check goes: the destination's `connectAddress ?? address`, `connectPort ?? port`. */
export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
}

/** Per-check options passed by the health engine. */
export interface CheckOptions {
  /** Aborts the check; the probe must release every socket and timer. */
  readonly signal?: AbortSignal;
  /** Bound on the whole check in ms (connect + request + response). */
  readonly timeoutMs: number;
}

/** A successful check. */
export interface ProbeOk {
  /** Wall time of the check in ms. */
  readonly latencyMs: number;
  /**
   * Who answered, where the protocol says (TXT text, header value). Peer
   * text: the health engine escapes and caps it (see `safeText`).
   */
  readonly identity?: string;
  /**
   * What an agent-style probe (agent, dynamic exec) said about the
   * destination's weight and administrative state. Absent = nothing said.
   */
  readonly agent?: AgentReport;
}

/**
 * An agent's words (HAProxy agent-check): each field is set only when the
 * agent said it; what it did not say stays as it was (sticky, as in HAProxy).
 */
export interface AgentReport {
  /** Weight as a percent of the configured weight, 0..256 (`75%`). */
  readonly percent?: number;
  /** An absolute weight 0..65535 (keepalived `misc_dynamic`: exit code - 2). */
  readonly weight?: number;
  /** `ready` cancels `drain` and `maint`; `drain` = weight 0; `maint` = out of service. */
  readonly admin?: 'ready' | 'drain' | 'maint';
}

/** Every `ProbeErrorKind`. */
export const PROBE_ERROR_KINDS = [
  'timeout',
  'refused',
  'unreachable',
  'reset',
  'mismatch',
  'protocol',
  'aborted',
  'internal',
] as const;

/** Why a check failed. */
export type ProbeErrorKind = (typeof PROBE_ERROR_KINDS)[number];

/**
 * A failed check: `kind` for machines, `message` for humans (the health
 * engine escapes and caps it; an unknown `kind` becomes `internal`).
 */
export interface ProbeError {
  readonly kind: ProbeErrorKind;
  readonly message: string;
  readonly latencyMs: number;
}

/** A health check. One instance may serve many targets concurrently. */
export interface Probe {
  /** Short description, e.g. `dns TXT health.load.balance/udp`. */
  readonly description: string;
  check(target: ProbeTarget, options: CheckOptions): ResultAsync<ProbeOk, ProbeError>;
  /** Releases pooled connections (e.g. an HTTP agent). Called when no check uses the probe. */
  close?(): Promise<void> | void;
}

/** Builds a probe from its spec; `protocol` is the service's (for DNS transport defaults). */
export type ProbeFactory = (
  spec: ProbeSpec,
  context: { readonly protocol: 'tcp' | 'udp' },
) => Probe;
