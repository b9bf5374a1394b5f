import type { DemoSummary } from './run-demo.js';

/** The demo's closing summary as a few plain lines. */
export function formatSummary(summary: DemoSummary): string {
  const per = (values: Readonly<Record<string, number>>) =>
    Object.entries(values)
      .map(([service, ms]) => `${service} ${ms} ms`)
      .join(', ');
  const requests = Object.entries(summary.requests)
    .map(([protocol, t]) => `${protocol} ${t.ok} ok / ${t.failed} failed`)
    .join(', ');
  const worst = Object.values(summary.failoverMs).reduce((a, b) => Math.max(a, b), -Infinity);
  return [
    'SUMMARY',
    `  failover  kill -9 ${summary.victim} -> no new flows to it: ${per(summary.failoverMs)} (worst ${worst} ms)`,
    `  recovery  ${summary.victim} listening again -> serving again: ${per(summary.recoveryMs)}`,
    `  client    ${requests}`,
    `            failed during the failover window: ${summary.failedInFailover}; at any other time: ${summary.failedOutside}`,
    `            answers from ${summary.victim} while it was dead: ${summary.answeredWhileDead}`,
  ].join('\n');
}
