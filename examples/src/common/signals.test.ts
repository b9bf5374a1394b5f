import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { trapSignals } from './signals.js';

const fakeProcess = () => new EventEmitter() as unknown as NodeJS.Process;

describe('trapSignals', () => {
  it('keeps a signal that comes before its handler and replays it once', () => {
    const target = fakeProcess();
    const signals = trapSignals(target);
    target.emit('SIGHUP');
    target.emit('SIGHUP');
    let reloads = 0;
    signals.on('SIGHUP', () => reloads++);
    expect(reloads).toBe(1);
    target.emit('SIGHUP');
    expect(reloads).toBe(2);
  });

  it('remembers a stop request, handled or not', () => {
    const target = fakeProcess();
    const signals = trapSignals(target);
    expect(signals.stopRequested).toBe(false);
    target.emit('SIGTERM');
    expect(signals.stopRequested).toBe(true);
    let stops = 0;
    signals.on('SIGTERM', () => stops++);
    signals.on('SIGINT', () => stops++);
    expect(stops).toBe(1);
  });

  it('installs the handlers at once (a real process survives SIGHUP)', () => {
    const before = process.listenerCount('SIGHUP');
    trapSignals();
    expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) {
      const listeners = process.listeners(signal);
      process.removeListener(signal, listeners.at(-1) as () => void);
    }
  });
});
