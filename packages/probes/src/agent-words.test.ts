import { describe, expect, it } from 'vitest';
import { parseAgentReply } from './agent-words.js';

describe('parseAgentReply (HAProxy agent-check words)', () => {
  it('every word', () => {
    expect(parseAgentReply('up')).toEqual({ state: 'up', report: {} });
    expect(parseAgentReply('ready')).toEqual({ state: 'up', report: { admin: 'ready' } });
    expect(parseAgentReply('drain')).toEqual({ state: 'up', report: { admin: 'drain' } });
    expect(parseAgentReply('maint')).toEqual({ state: 'up', report: { admin: 'maint' } });
    expect(parseAgentReply('75%')).toEqual({ state: 'up', report: { percent: 75 } });
    expect(parseAgentReply('0%').report).toEqual({ percent: 0 });
    expect(parseAgentReply('256%').report).toEqual({ percent: 256 });
    for (const word of ['down', 'fail', 'stopped']) {
      expect(parseAgentReply(word)).toEqual({ state: 'down', downWord: word, report: {} });
    }
  });

  it('several words: spaces, tabs, commas, any case; #reason; the last of a kind wins', () => {
    expect(parseAgentReply('UP, Ready\t50%')).toEqual({
      state: 'up',
      report: { admin: 'ready', percent: 50 },
    });
    expect(parseAgentReply('down #disk full ')).toEqual({
      state: 'down',
      downWord: 'down',
      reason: 'disk full',
      report: {},
    });
    expect(parseAgentReply('Fail#no db')).toMatchObject({ state: 'down', reason: 'no db' });
    expect(parseAgentReply('down up')).toEqual({ state: 'up', report: {} });
    expect(parseAgentReply('drain ready 10% 20%').report).toEqual({ admin: 'ready', percent: 20 });
    expect(parseAgentReply('up # drain 5%')).toEqual({
      state: 'up',
      reason: 'drain 5%',
      report: {},
    });
  });

  it('unknown and malformed words are ignored', () => {
    for (const line of [
      'maxconn:30',
      'hello',
      '257%',
      '1000%',
      '-5%',
      '5.5%',
      '%',
      '50 %',
      'upp',
    ]) {
      expect(parseAgentReply(line), line).toEqual({ state: 'up', report: {} });
    }
    expect(parseAgentReply('x'.repeat(100_000)).report).toEqual({});
  });
});
