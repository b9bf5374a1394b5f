/**
 * Errors of @lbkit/ha as data.
 * @module
 */
import type { ConfigIssue } from '@lbkit/core';

/**
 * Why an HA operation failed:
 * - `invalid` the options are invalid (see `validateHaOptions` for the issues),
 * - `io` a file of the run directory could not be made, written or opened,
 * - `keepalived` keepalived refused the config (`keepalived -t`) or cannot be started,
 * - `conntrackd` conntrackd did not start (or, attached, does not answer on its socket),
 * - `stopped` the HA controller was stopped.
 */
export type HaErrorKind = 'invalid' | 'io' | 'keepalived' | 'conntrackd' | 'stopped';

/** An HA failure. */
export interface HaError {
  readonly kind: HaErrorKind;
  readonly message: string;
  /** Every problem of the options (`invalid`). */
  readonly issues?: readonly ConfigIssue[];
}

/** Builds an `HaError`. */
export const haError = (
  kind: HaErrorKind,
  message: string,
  issues?: readonly ConfigIssue[],
): HaError => ({ kind, message, ...(issues !== undefined && { issues }) });
