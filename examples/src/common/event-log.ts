/**
 * One log line per state change, for daemons under systemd (journald keeps
 * stdout/stderr): health transitions, empty/non-empty services, kernel
 * updates that changed something, apply failures, the watchdog, readiness.
 * Checks that change nothing are not logged.
 */
import type { Balancer } from '@lbkit/core';
import { driftLine } from './drift-line.js';

/** Where lines go and how they look. */
export interface EventLogOptions {
  /** Writes one line (without newline) as information. Default stdout. */
  readonly info?: (line: string) => void;
  /** Writes one line as a problem. Default stderr. */
  readonly warn?: (line: string) => void;
  /** Log kernel updates (one line per apply that changed something). Default true. */
  readonly applies?: boolean;
}

/** Subscribes the log to a balancer's events; returns the unsubscribe function. */
export function attachEventLog(balancer: Balancer, options: EventLogOptions = {}): () => void {
  const info = options.info ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const where = (service: string, destination: string): string => {
    const view = balancer.status().find((s) => s.service.name === service);
    const dest = view?.destinations.find((d) => d.name === destination);
    return dest ? `${destination} (${dest.address}:${dest.port})` : destination;
  };
  const off = [
    balancer.on('health', (e) => {
      const line = `service ${e.service}: destination ${where(e.service, e.destination)} ${e.from} -> ${e.to}: ${e.reason}`;
      if (e.to === 'down') warn(line);
      else info(line);
    }),
    balancer.on('empty', (e) =>
      warn(`service ${e.service}: no destination can take traffic, its when-empty verdict applies`),
    ),
    balancer.on('nonEmpty', (e) => info(`service ${e.service}: serving again`)),
    balancer.on('applied', (e) => {
      if ((options.applies ?? true) && e.report.changedServices.length > 0) {
        info(
          `kernel updated in ${e.report.durationMs.toFixed(1)} ms (${e.report.operations} operation(s)): ${e.report.changedServices.join(', ')}`,
        );
      }
    }),
    balancer.on('applyFailed', (e) =>
      warn(
        `apply failed (attempt ${e.attempt}, ${e.error.kind}): ${e.error.message}; retrying in ${e.retryInMs} ms`,
      ),
    ),
    balancer.on('drift', (e) => warn(driftLine(e))),
    balancer.on('watchdog', (e) =>
      warn(`watchdog: no health check finished for ${e.stalledMs} ms`),
    ),
    balancer.on('ready', () => info('every destination has had its first verdict')),
    balancer.on('configChanged', (e) => {
      const parts = [
        e.added.length > 0 ? `added ${e.added.join(', ')}` : '',
        e.removed.length > 0 ? `removed ${e.removed.join(', ')}` : '',
        e.updated.length > 0 ? `updated ${e.updated.join(', ')}` : '',
      ].filter((p) => p !== '');
      info(`configuration changed: ${parts.length > 0 ? parts.join('; ') : 'no difference'}`);
    }),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}
