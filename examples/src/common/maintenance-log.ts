/**
 * Log lines of rolling maintenance and quorum: a drain until idle or a
 * deadline (start, flows left, end, cancel) and a service's quorum lost or
 * regained. Part of the daemons' event log (`attachEventLog`).
 */
import type { Balancer } from '@lbkit/core';

/** Subscribes the maintenance lines; returns the unsubscribe functions. */
export function attachMaintenanceLog(
  balancer: Balancer,
  info: (line: string) => void,
  warn: (line: string) => void,
): (() => void)[] {
  const who = (e: { service: string; destination: string }) => `${e.service}/${e.destination}`;
  return [
    balancer.on('drainStarted', (e) =>
      info(
        `${who(e)}: draining; out once idle${e.deadlineMs === undefined ? '' : ` or after ${e.deadlineMs} ms`}`,
      ),
    ),
    balancer.on('drainProgress', (e) =>
      e.error
        ? warn(`${who(e)}: flow count failed (${e.error.kind}): ${e.error.message}`)
        : info(`${who(e)}: ${e.flows ?? '?'} flow(s) left after ${Math.round(e.elapsedMs)} ms`),
    ),
    balancer.on('drained', (e) =>
      info(
        `${who(e)}: ${e.reason === 'idle' ? 'idle' : 'deadline reached'} after ${Math.round(e.elapsedMs)} ms; out of the service (disabled)${e.flows ? `, ${e.flows} flow(s) left` : ''}`,
      ),
    ),
    balancer.on('drainCancelled', (e) => info(`${who(e)}: drain cancelled (${e.reason})`)),
    balancer.on('quorumLost', (e) =>
      warn(
        `service ${e.service}: below its quorum (live weight ${e.live} of ${e.required}); ${e.sorry === undefined ? 'no new flows are served' : `new flows go to the sorry server ${e.sorry}`}`,
      ),
    ),
    balancer.on('quorumRegained', (e) =>
      info(`service ${e.service}: quorum regained (live weight ${e.live} of ${e.required})`),
    ),
  ];
}
