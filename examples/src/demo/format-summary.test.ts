import { describe, expect, it } from 'vitest';
import { formatSummary } from './format-summary.js';
import type { DemoSummary } from './run-demo.js';

const summary: DemoSummary = {
  victim: 's2',
  failoverMs: { line: 170, dns: 190 },
  recoveryMs: { line: 143, dns: 303 },
  requests: { tcp: { ok: 122, failed: 0 }, dns: { ok: 121, failed: 1 } },
  failedInFailover: 1,
  failedOutside: 0,
  failuresOutside: [],
  answeredWhileDead: 0,
  answeredBeforeKill: { line: ['s1', 's2', 's3'], dns: ['s1', 's2', 's3'] },
  setupMs: 5012,
  scenarioMs: 12_040,
  emulatedCpu: false,
};

describe('formatSummary', () => {
  it('shows the figures, the timing and who answered before the kill', () => {
    expect(formatSummary(summary)).toBe(
      [
        'SUMMARY',
        '  failover  kill -9 s2 -> no new flows to it: line 170 ms, dns 190 ms (worst 190 ms)',
        '  recovery  s2 listening again -> serving again: line 143 ms, dns 303 ms',
        '  timing    setup 5.0 s, then the scenario 12.0 s',
        '  before    the kill, the client was answered by line {s1,s2,s3}, dns {s1,s2,s3}',
        '  client    tcp 122 ok / 0 failed, dns 121 ok / 1 failed',
        '            failed during the failover window: 1; at any other time: 0',
        '            answers from s2 while it was dead: 0',
      ].join('\n'),
    );
  });

  it('marks every time that comes from the emulated CPU of the kernel VM', () => {
    const lines = formatSummary({ ...summary, emulatedCpu: true }).split('\n');
    expect(lines[0]).toMatch(/^SUMMARY \(times marked \[emulated CPU\] come from the qemu TCG VM/);
    expect(
      lines.filter((l) => l.endsWith(' [emulated CPU]')).map((l) => l.trim().split(' ')[0]),
    ).toEqual(['failover', 'recovery', 'timing']);
  });

  it('names the failures outside the failover window, relative to the scenario start', () => {
    const text = formatSummary({
      ...summary,
      failedOutside: 2,
      failuresOutside: [
        { protocol: 'dns', atMs: 9340, error: 'timeout' },
        { protocol: 'tcp', atMs: -200, error: 'ECONNRESET' },
      ],
    });
    expect(text).toContain(
      'at any other time: 2 (dns at +9.3 s: timeout, tcp at -0.2 s: ECONNRESET)',
    );
  });
});
