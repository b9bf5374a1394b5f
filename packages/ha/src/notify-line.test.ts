import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNotifyLine } from './notify-line.js';

describe('parseNotifyLine (keepalived 2.2 notify FIFO)', () => {
  it('reads instance and group lines', () => {
    expect(parseNotifyLine('INSTANCE "lbkit_vip" MASTER 150')).toEqual({
      type: 'INSTANCE',
      name: 'lbkit_vip',
      state: 'MASTER',
      priority: 150,
    });
    expect(parseNotifyLine('GROUP "lbkit" FAULT 0')?.state).toBe('FAULT');
    expect(parseNotifyLine('INSTANCE "x" BACKUP_PRIORITY 90')?.priority).toBe(90);
  });

  it.each([
    '',
    'INSTANCE lbkit MASTER 150',
    'INSTANCE "a" MASTERS 1',
    'INSTANCE "a" MASTER 256',
    'INSTANCE "a" MASTER -1',
    'VS [192.0.2.1]:tcp:80 UP',
    'INSTANCE "a" MASTER 1 extra',
  ])('refuses %j', (line) => {
    expect(parseNotifyLine(line)).toBeUndefined();
  });

  it('never throws on any text', () => {
    fc.assert(fc.property(fc.string(), (text) => void parseNotifyLine(text)));
  });
});
