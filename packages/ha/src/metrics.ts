/**
 * Prometheus text (format 0.0.4) of an HA node's status, to append to a
 * daemon's `/metrics`: the role (one gauge per role, 1 for the current one),
 * the VRRP priority, lbkit's health as keepalived sees it, and keepalived's
 * state and restarts. Pure.
 * @module
 */
import type { HaStatus } from './ha.js';
import { HA_ROLES } from './role.js';

/** Metric lines for `status`, every name starting with `prefix` (default `lbkit_ha`). */
export function renderHaMetrics(status: HaStatus, prefix = 'lbkit_ha'): string {
  const out: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string): string => {
    out.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} ${type}`);
    return `${prefix}_${name}`;
  };
  const role = family('role', 'gauge', "1 for this node's VRRP role (keepalived's notify FIFO).");
  for (const r of HA_ROLES) out.push(`${role}{role="${r}"} ${status.role === r ? 1 : 0}`);
  out.push(
    `${family('role_since_seconds', 'gauge', 'Epoch seconds of the last role change.')} ${status.since / 1000}`,
  );
  if (status.priority !== undefined) {
    out.push(
      `${family('priority', 'gauge', 'Effective VRRP priority keepalived last reported.')} ${status.priority}`,
    );
  }
  out.push(
    `${family('healthy', 'gauge', 'What lbkit tells keepalived (track_file): 1 healthy, 0 not.')} ${status.healthy ? 1 : 0}`,
  );
  out.push(
    `${family('keepalived_up', 'gauge', '1 when keepalived is running.')} ${status.keepalived.state === 'running' ? 1 : 0}`,
  );
  out.push(
    `${family('keepalived_restarts_total', 'counter', 'Times lbkit started keepalived again after it died.')} ${status.keepalived.restarts}`,
  );
  return `${out.join('\n')}\n`;
}
