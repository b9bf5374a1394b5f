import { describe, expect, it } from 'vitest';
import { DemoState } from './demo-state.js';
import { renderScreen } from './render.js';

const build = (): DemoState => {
  const state = new DemoState({
    title: 'lbkit demo · nftables · VIP 192.0.2.10',
    services: [
      { name: 'line', label: 'tcp 7000 line', protocol: 'tcp' },
      { name: 'dns', label: 'udp 53 DNS TXT', protocol: 'dns' },
    ],
    servers: [
      { name: 's1', address: '198.51.100.11' },
      { name: 's2', address: '198.51.100.12' },
    ],
    now: 1000,
  });
  state.setRunning('s1', true);
  state.onAgent({
    type: 'check',
    at: 1100,
    service: 'line',
    destination: 's1',
    ok: true,
    ms: 0.42,
  });
  state.onAgent({
    type: 'health',
    at: 1100,
    service: 'line',
    destination: 's1',
    from: 'unknown',
    to: 'up',
    reason: '2 consecutive successes',
  });
  state.onAgent({
    type: 'check',
    at: 1200,
    service: 'line',
    destination: 's2',
    ok: false,
    ms: 0.2,
    error: 'refused',
  });
  state.onAgent({
    type: 'health',
    at: 1200,
    service: 'line',
    destination: 's2',
    from: 'up',
    to: 'down',
    reason: '2 consecutive failures',
  });
  state.onAgent({
    type: 'applied',
    at: 1300,
    operations: 1,
    ms: 0.31,
    changed: ['line'],
    serving: { line: ['s1'] },
  });
  for (const server of ['s1', 's2', 's1']) {
    state.onTrace({ protocol: 'tcp', at: 1400, ok: true, ms: 1, server });
  }
  state.onTrace({ protocol: 'tcp', at: 1500, ok: false, ms: 1, error: 'ECONNREFUSED' });
  return state;
};

describe('renderScreen', () => {
  it('shows health, who answered and the events, without colour when asked', () => {
    const lines = renderScreen(build(), { width: 100, height: 30, color: false, now: 3500 });
    const text = lines.join('\n');
    expect(lines[0]).toContain('2.5 s');
    expect(lines.find((l) => l.startsWith('s1'))).toMatch(/running\s+● up\s+0\.4 ms/);
    expect(lines.find((l) => l.startsWith('s2'))).toMatch(/killed\s+○ down\s+refused/);
    expect(lines.find((l) => l.startsWith('tcp 7000 line'))).toMatch(/1 2 1 ✗\s+3\s+1$/);
    expect(text).toContain('line: s2 up -> down (2 consecutive failures)');
    expect(text).toContain('kernel updated in 0.3 ms, 1 op(s): line -> {s1}');
    // The first up of a destination is not an event worth a line.
    expect(text).not.toContain('unknown -> up');
    expect(text).not.toContain('\x1b[');
  });

  it('never draws more lines than the terminal has or wider than it', () => {
    const state = build();
    for (let i = 0; i < 80; i++) state.event(`event ${i} ${'x'.repeat(200)}`);
    const lines = renderScreen(state, { width: 80, height: 24, color: false, now: 3500 });
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.at(-1)).toContain('event 79');
  });

  it('colours states when colour is on', () => {
    const text = renderScreen(build(), { color: true, now: 3500 }).join('\n');
    expect(text).toContain('\x1b[32mup');
    expect(text).toContain('\x1b[31mdown');
  });
});
