/**
 * One log line per state change, for daemons under systemd (journald keeps
 * stdout/stderr): health transitions, empty/non-empty services, kernel
 * updates that changed something, apply failures, backend warnings (an IPVS
 * VIP that is not local), the watchdog, readiness.
 * Checks that change nothing are not logged.
 *
 * Every event costs O(1): a destination's address comes from an index built
 * from `balancer.services()` when the configuration changes, never from
 * `balancer.status()` (a view of every service: calling it per event made a
 * start with 30,000 destinations quadratic). Lists of names are cut after
 * `MAX_NAMES_LISTED`.
 */
import type { Balancer } from '@lbkit/core';
import { driftLine } from './drift-line.js';
import { attachMaintenanceLog } from './maintenance-log.js';

/** Where lines go and how they look. */
export interface EventLogOptions {
  /** Writes one line (without newline) as information. Default stdout. */
  readonly info?: (line: string) => void;
  /** Writes one line as a problem. Default stderr. */
  readonly warn?: (line: string) => void;
  /** Log kernel updates (one line per apply that changed something). Default true. */
  readonly applies?: boolean;
}

/** Most names a line lists (`added a, b, ... and 9,980 more`). */
export const MAX_NAMES_LISTED = 20;

/** `a, b, c` or `a, b, ... and 9,980 more`. */
export function listNames(names: readonly string[], max = MAX_NAMES_LISTED): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${(names.length - max).toLocaleString('en-US')} more`;
}

/** `service\0destination` -> `name (address:port)`, from the configured services. */
function destinationIndex(balancer: Balancer): Map<string, string> {
  const index = new Map<string, string>();
  for (const service of balancer.services()) {
    for (const d of service.destinations) {
      const host = d.address.includes(':') ? `[${d.address}]` : d.address;
      index.set(`${service.name}\u0000${d.name}`, `${d.name} (${host}:${d.port})`);
    }
  }
  return index;
}

/** Subscribes the log to a balancer's events; returns the unsubscribe function. */
export function attachEventLog(balancer: Balancer, options: EventLogOptions = {}): () => void {
  const info = options.info ?? ((line: string) => process.stdout.write(`${line}\n`));
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  let index: Map<string, string> | undefined;
  const where = (service: string, destination: string): string => {
    index ??= destinationIndex(balancer);
    return index.get(`${service}\u0000${destination}`) ?? destination;
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
          `kernel updated in ${e.report.durationMs.toFixed(1)} ms (${e.report.operations} operation(s)): ${listNames(e.report.changedServices)}`,
        );
      }
    }),
    balancer.on('applyFailed', (e) =>
      warn(
        `apply failed (attempt ${e.attempt}, ${e.error.kind}): ${e.error.message}; retrying in ${e.retryInMs} ms`,
      ),
    ),
    balancer.on('drift', (e) => warn(driftLine(e))),
    balancer.on('warning', (e) => warn(`${e.source} warning: ${e.message}`)),
    balancer.on('watchdog', (e) =>
      warn(`watchdog: no health check finished for ${e.stalledMs} ms`),
    ),
    balancer.on('ready', () => info('every destination has had its first verdict')),
    ...attachMaintenanceLog(balancer, info, warn),
    balancer.on('configChanged', (e) => {
      index = undefined; // rebuilt on the next event that needs it
      const parts = [
        e.added.length > 0 ? `added ${listNames(e.added)}` : '',
        e.removed.length > 0 ? `removed ${listNames(e.removed)}` : '',
        e.updated.length > 0 ? `updated ${listNames(e.updated)}` : '',
      ].filter((p) => p !== '');
      info(`configuration changed: ${parts.length > 0 ? parts.join('; ') : 'no difference'}`);
    }),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}
