import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIpv6,
  parseAddress,
  parsedAddressOf,
  parseIpv4,
  parseIpv6,
  withParsedAddress,
} from './address.js';

describe('parseAddress', () => {
  it.each([
    ['192.0.2.1', 4, '192.0.2.1'],
    ['2001:DB8::1', 6, '2001:db8::1'],
    ['::', 6, '::'],
    ['::1', 6, '::1'],
    ['::ffff:192.0.2.1', 6, '::ffff:c000:201'],
    ['1::2:192.0.2.1', 6, '1::2:c000:201'],
    ['1:2:3:4:5:6:192.0.2.1', 6, '1:2:3:4:5:6:c000:201'],
    ['1:2:3:4:5:6:7::', 6, '1:2:3:4:5:6:7:0'],
  ])('accepts %s', (text, family, canonical) => {
    expect(parseAddress(text)).toMatchObject({ family, canonical });
  });

  it.each([
    // An IPv4 part is only the LAST 32 bits of the whole address.
    '1.2.3.4::',
    '1.2.3.4::1',
    '::1.2.3.4:1',
    '1:2:3:4:5:6:7:1.2.3.4',
    '010.0.0.1',
    '1.2.3',
    '1.2.3.256',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '12345::',
    'fe80::1%eth0',
    '[2001:db8::1]',
    '',
  ])('refuses %s', (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  it('gives back every IPv6 address it formats', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(parseIpv6(formatIpv6(bytes))).toEqual(bytes);
      }),
    );
  });

  it('never throws on hostile text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef.:%[]'), maxLength: 50 }),
        (text) => {
          const v4 = parseIpv4(text);
          const v6 = parseIpv6(text);
          if (v4) expect(v4).toHaveLength(4);
          if (v6) expect(v6).toHaveLength(16);
        },
      ),
    );
  });

  it('parsedAddressOf trusts only what parseAddress made, for the same text', () => {
    const made = parseAddress('192.0.2.10')!;
    expect(parsedAddressOf('192.0.2.10', made)).toBe(made);
    // Stale (the text changed under it) or forged (built by hand): parsed again.
    expect(parsedAddressOf('192.0.2.11', made)?.bytes).toEqual(Uint8Array.of(192, 0, 2, 11));
    const forged = {
      family: 4 as const,
      canonical: '192.0.2.10',
      bytes: Uint8Array.of(10, 0, 0, 1),
    };
    expect(parsedAddressOf('192.0.2.10', forged)?.bytes).toEqual(Uint8Array.of(192, 0, 2, 10));
    expect(parsedAddressOf('nope', undefined)).toBeUndefined();
  });

  it('attaches the parsed address as hidden derived data', () => {
    const parsed = parseAddress('2001:db8::1')!;
    const d = withParsedAddress({ address: '2001:db8::1' }, 'parsed', parsed);
    expect((d as { parsed?: unknown }).parsed).toBe(parsed);
    expect(d).toEqual({ address: '2001:db8::1' });
    expect(JSON.stringify(d)).toBe('{"address":"2001:db8::1"}');
    expect({ ...d }).not.toHaveProperty('parsed');
  });
});
