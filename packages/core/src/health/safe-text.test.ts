import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_IDENTITY_CHARS, safeText } from './safe-text.js';

describe('safeText', () => {
  it('escapes what could forge a log line or drive a terminal', () => {
    const forged = '=ns1=\n<0>kernel: panic\r\u001b[2J\u0000\u2028\u202e';
    expect(safeText(forged, 256)).toBe(
      '=ns1=\\n<0>kernel: panic\\r\\u001b[2J\\u0000\\u2028\\u202e',
    );
    expect(safeText('tab\there', 256)).toBe('tab\\there');
    expect(safeText('\ud800 lone', 256)).toBe('\\ud800 lone');
    expect(safeText('ok: =nameserver-1= wéb 名前 😀', 256)).toBe('ok: =nameserver-1= wéb 名前 😀');
  });

  it('caps the length (a 64 KB TXT gives a short identity), never inside an escape or a pair', () => {
    const big = 'x'.repeat(65_536);
    expect(safeText(big, MAX_IDENTITY_CHARS)).toHaveLength(MAX_IDENTITY_CHARS);
    expect(safeText(big, MAX_IDENTITY_CHARS).endsWith('…')).toBe(true);
    expect(safeText('abc\ndef', 6)).toBe('abc\\n…');
    expect(safeText('abc\ndef', 5)).toBe('abc…');
    expect(safeText('ab😀cd', 4)).toBe('ab…');
    expect(safeText('abcd', 4)).toBe('abcd');
  });

  it('is idempotent, bounded and never leaves a control character', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.integer({ min: 2, max: 300 }),
        (text, max) => {
          const once = safeText(text, max);
          expect(once.length).toBeLessThanOrEqual(max);
          expect(once).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u);
          expect(safeText(once, max)).toBe(once);
        },
      ),
      { numRuns: 500 },
    );
    expect(safeText(42, 10)).toBe('42');
  });
});
