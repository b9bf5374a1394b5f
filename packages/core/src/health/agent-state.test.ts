import { describe, expect, it } from 'vitest';
import type { AgentReport } from '../probe.js';
import { mergeAgentReport } from './agent-state.js';

describe('agent state (sticky, HAProxy semantics)', () => {
  it('what the agent did not say stays as it was; ready cancels drain and maint', () => {
    let state = mergeAgentReport(undefined, { admin: 'drain' });
    expect(state).toEqual({ percent: 100, admin: 'drain' });
    state = mergeAgentReport(state, { percent: 50 });
    expect(state).toEqual({ percent: 50, admin: 'drain' });
    state = mergeAgentReport(state, { admin: 'ready' });
    expect(state).toEqual({ percent: 50, admin: 'ready' });
    state = mergeAgentReport(state, { admin: 'maint' });
    expect(state?.admin).toBe('maint');
  });

  it('returns the same object when nothing changed, undefined while at defaults', () => {
    const state = mergeAgentReport(undefined, { percent: 25 });
    expect(mergeAgentReport(state, { percent: 25 })).toBe(state);
    expect(mergeAgentReport(state, undefined)).toBe(state);
    expect(mergeAgentReport(undefined, { percent: 100, admin: 'ready' })).toBeUndefined();
  });

  it('ignores what a hostile probe returns: out of range, wrong types', () => {
    const junk = [
      { percent: 257 },
      { percent: -1 },
      { percent: 1.5 },
      { percent: Number.NaN },
      { weight: 70000 },
      { admin: 'reboot' },
      { percent: '50' },
    ] as unknown as AgentReport[];
    for (const report of junk) expect(mergeAgentReport(undefined, report)).toBeUndefined();
    expect(mergeAgentReport(undefined, null as unknown as AgentReport)).toBeUndefined();
  });
});
