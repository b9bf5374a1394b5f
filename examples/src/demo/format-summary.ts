import type { DemoSummary } from './run-demo.js';

/** " (dns at +9.3 s: timeout, ...)" for failures outside the failover window, else "". */
const outside = (summary: DemoSummary): string =>
  summary.failuresOutside.length === 0
    ? ''
    : ` (${summary.failuresOutside
        .map(
          (f) =>
            `${f.protocol} at ${f.atMs >= 0 ? '+' : ''}${(f.atMs / 1000).toFixed(1)} s: ${f.error}`,
        )
        .join(', ')}${summary.failedOutside > summary.failuresOutside.length ? ', ...' : ''})`;

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
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  // Under the kernel VM's TCG emulation everything runs ~15x slower than on this host.
  const cpu = summary.emulatedCpu ? ' [emulated CPU]' : '';
  return [
    `SUMMARY${summary.emulatedCpu ? ' (times marked [emulated CPU] come from the qemu TCG VM, ~15x slower than real hardware)' : ''}`,
    `  failover  kill -9 ${summary.victim} -> no new flows to it: ${per(summary.failoverMs)} (worst ${worst} ms)${cpu}`,
    `  recovery  ${summary.victim} listening again -> serving again: ${per(summary.recoveryMs)}${cpu}`,
    `  timing    setup ${seconds(summary.setupMs)}, then the scenario ${seconds(summary.scenarioMs)}${cpu}`,
    `  before    the kill, the client was answered by ${Object.entries(summary.answeredBeforeKill)
      .map(([service, servers]) => `${service} {${servers.join(',')}}`)
      .join(', ')}`,
    `  client    ${requests}`,
    `            failed during the failover window: ${summary.failedInFailover}; at any other time: ${summary.failedOutside}${outside(summary)}`,
    `            answers from ${summary.victim} while it was dead: ${summary.answeredWhileDead}`,
  ].join('\n');
}
