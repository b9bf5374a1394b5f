import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttrSpec,
  align,
  attrBe16,
  attrNest,
  attrString,
  attrU16,
  attrU32,
  attrU64,
  decodeAttributes,
  encodeAttributes,
  indexAttributes,
  readBe16,
  readString,
  readU16,
  readU32,
  readU64,
} from './attributes.js';
import { assertBytesEqual } from './hexdump-diff.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('netlink attributes', () => {
  it('encodes u16 with padding, be16 port in network order, strings with NUL', () => {
    assertBytesEqual(encodeAttributes([attrU16(1, 2)]), hex('0600 0100 0200 0000'));
    assertBytesEqual(encodeAttributes([attrBe16(4, 80)]), hex('0600 0400 0050 0000'));
    assertBytesEqual(encodeAttributes([attrString(6, 'rr')]), hex('0700 0600 7272 00 00'));
    assertBytesEqual(encodeAttributes([attrU32(8, 0x01020304)]), hex('0800 0800 04030201'));
  });

  it('encodes nested attributes with NLA_F_NESTED and the padded children length', () => {
    const bytes = encodeAttributes([attrNest(1, [attrU16(1, 2), attrString(6, 'rr')])]);
    assertBytesEqual(bytes, hex('1400 0180  0600 0100 0200 0000  0700 0600 7272 00 00'));
  });

  it('decodes what it encodes, flags nested, reads typed values', () => {
    const bytes = encodeAttributes([
      attrU16(1, 10),
      attrBe16(4, 53),
      attrU64(12, 2n ** 60n),
      attrNest(2, [attrU32(3, 7)]),
      attrString(6, 'wlc'),
    ]);
    const attrs = decodeAttributes(bytes)._unsafeUnwrap();
    const by = indexAttributes(attrs);
    expect(readU16(by.get(1)!)).toBe(10);
    expect(readBe16(by.get(4)!)).toBe(53);
    expect(readU64(by.get(12)!)).toBe(2n ** 60n);
    expect(by.get(2)!.nested).toBe(true);
    expect(readU32(decodeAttributes(by.get(2)!.value)._unsafeUnwrap()[0]!)).toBe(7);
    expect(readString(by.get(6)!)).toBe('wlc');
  });

  it('rejects a length running past the end or shorter than the header', () => {
    expect(decodeAttributes(hex('0900 0100 0200 0000'))._unsafeUnwrapErr().kind).toBe('parse');
    expect(decodeAttributes(hex('0200 0100'))._unsafeUnwrapErr().kind).toBe('parse');
  });

  it('the last duplicate wins, like nla_parse', () => {
    const attrs = decodeAttributes(
      encodeAttributes([attrU16(1, 1), attrU16(1, 2)]),
    )._unsafeUnwrap();
    expect(readU16(indexAttributes(attrs).get(1)!)).toBe(2);
  });

  const spec: fc.Arbitrary<AttrSpec> = fc.letrec<{ attr: AttrSpec }>((tie) => ({
    attr: fc.oneof(
      { depthSize: 'small' },
      fc.record({
        type: fc.integer({ min: 0, max: 0x3fff }),
        value: fc.uint8Array({ maxLength: 40 }),
      }),
      fc.record({
        type: fc.integer({ min: 0, max: 0x3fff }),
        children: fc.array(tie('attr'), { maxLength: 4 }),
      }),
      fc.record({
        type: fc.integer({ min: 0, max: 0x3fff }),
        int: fc.nat({ max: 0xffffffff }),
        width: fc.constantFrom(1 as const, 2 as const, 4 as const),
        bigEndian: fc.boolean(),
      }),
    ),
  })).attr;

  /** The bytes an integer spec means, written independently of the encoder. */
  const intBytes = (s: { int: number; width: 1 | 2 | 4; bigEndian?: boolean }): number[] => {
    const out = new Uint8Array(s.width);
    const view = new DataView(out.buffer);
    const little = s.bigEndian !== true;
    if (s.width === 1) view.setUint8(0, s.int % 0x100);
    else if (s.width === 2) view.setUint16(0, s.int % 0x10000, little);
    else view.setUint32(0, s.int, little);
    return Array.from(out);
  };

  const plain = (bytes: Uint8Array, specs: readonly AttrSpec[]): unknown => {
    const attrs = decodeAttributes(bytes)._unsafeUnwrap();
    return attrs.map((a, i) => {
      const s = specs[i]!;
      return 'children' in s
        ? { type: a.type, children: plain(a.value, s.children) }
        : { type: a.type, value: Array.from(a.value) };
    });
  };
  const shape = (specs: readonly AttrSpec[]): unknown =>
    specs.map((s) =>
      'children' in s
        ? { type: s.type, children: shape(s.children) }
        : { type: s.type, value: 'int' in s ? intBytes(s) : Array.from(s.value) },
    );

  it('round-trips any attribute tree (property)', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 6 }), (specs) => {
        expect(plain(encodeAttributes(specs), specs)).toEqual(shape(specs));
      }),
    );
  });

  it('never throws on random bytes, and what it accepts lies inside them (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = decodeAttributes(bytes);
        if (r.isErr()) {
          expect(r.error.kind).toBe('parse');
          return;
        }
        let used = 0;
        for (const a of r.value) {
          expect(a.value.buffer).toBe(bytes.buffer);
          used += align(4 + a.value.length);
        }
        expect(used).toBeLessThanOrEqual(align(bytes.length));
      }),
    );
  });
});
