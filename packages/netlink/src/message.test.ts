import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attrString, encodeAttributes } from './attributes.js';
import { assertBytesEqual } from './hexdump-diff.js';
import {
  decodeAck,
  decodeDone,
  decodeGenl,
  decodeMessages,
  encodeAck,
  encodeGenl,
  encodeMessage,
  encodeMessages,
} from './message.js';
import { NLM } from './uapi.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('netlink messages', () => {
  it('encodes nlmsghdr little-endian with the unpadded length, payload padded', () => {
    const bytes = encodeMessage({
      type: 0x24,
      flags: NLM.F_REQUEST | NLM.F_ACK,
      seq: 7,
      pid: 0,
      payload: encodeGenl({ cmd: 1, version: 1, attributes: new Uint8Array(0) }),
    });
    assertBytesEqual(bytes, hex('14000000 2400 0500 07000000 00000000 01010000'));
  });

  it('splits a datagram holding several messages', () => {
    const a = encodeMessage({
      type: 0x24,
      flags: NLM.F_MULTI,
      seq: 1,
      pid: 0,
      payload: hex('0101000001'),
    });
    const b = encodeMessage({
      type: NLM.DONE,
      flags: NLM.F_MULTI,
      seq: 1,
      pid: 0,
      payload: hex('00000000'),
    });
    const both = new Uint8Array([...a, ...b]);
    // Several messages encoded at once are the same bytes, each padded in place.
    assertBytesEqual(
      encodeMessages([
        { type: 0x24, flags: NLM.F_MULTI, seq: 1, pid: 0, payload: hex('0101000001') },
        { type: NLM.DONE, flags: NLM.F_MULTI, seq: 1, pid: 0, payload: hex('00000000') },
      ]),
      both,
    );
    const messages = decodeMessages(both)._unsafeUnwrap();
    expect(messages.map((m) => m.type)).toEqual([0x24, NLM.DONE]);
    expect(Array.from(messages[0]!.payload)).toEqual([1, 1, 0, 0, 1]);
    expect(decodeDone(messages[1]!)).toBe(0);
  });

  it('decodes an error ack with its errno, seq and extended ack text', () => {
    const body = new Uint8Array([
      ...encodeAck({ errno: 17, seq: 9 }, 0x24),
      ...encodeAttributes([attrString(1, 'Service already exists')]),
    ]);
    const message = {
      type: NLM.ERROR,
      flags: NLM.F_CAPPED | NLM.F_ACK_TLVS,
      seq: 9,
      pid: 0,
      payload: body,
    };
    expect(decodeAck(message)._unsafeUnwrap()).toEqual({
      errno: 17,
      seq: 9,
      detail: 'Service already exists',
    });
    const plain = { ...message, flags: 0, payload: encodeAck({ errno: 0, seq: 9 }) };
    expect(decodeAck(plain)._unsafeUnwrap()).toEqual({ errno: 0, seq: 9 });
  });

  it('rejects truncated headers and short generic netlink payloads', () => {
    expect(
      decodeMessages(hex('ff000000 2400 0000 00000000 00000000'))._unsafeUnwrapErr().kind,
    ).toBe('parse');
    expect(decodeGenl(hex('01'))._unsafeUnwrapErr().kind).toBe('parse');
  });

  it('round-trips messages and never throws on random bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          type: fc.integer({ min: 0, max: 0xffff }),
          flags: fc.integer({ min: 0, max: 0xffff }),
          seq: fc.integer({ min: 0, max: 0xffffffff }),
          pid: fc.integer({ min: 0, max: 0xffffffff }),
          payload: fc.uint8Array({ maxLength: 64 }),
        }),
        (m) => {
          const [back] = decodeMessages(encodeMessage(m))._unsafeUnwrap();
          expect({ ...back, payload: Array.from(back!.payload) }).toEqual({
            ...m,
            payload: Array.from(m.payload),
          });
        },
      ),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = decodeMessages(bytes);
        if (r.isOk()) for (const m of r.value) decodeAck(m);
      }),
    );
  });
});
