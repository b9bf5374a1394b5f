import {
  assertBytesEqual,
  attrBe16,
  attrBytes,
  attrNest,
  attrU8,
  attrU16,
  attrU32,
  encodeAttributes,
  SOCKET,
} from '@lbkit/netlink';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbDestination, arbDestinationConfig, arbDestinationId } from '../testing/arbitraries.js';
import { IPVS_CMD_ATTR as CMD, IPVS_DEST_ATTR as DEST, IP_VS_CONN_F } from '../uapi.js';
import {
  decodeDestinationAttributes,
  encodeDestinationEntry,
  encodeDestinationRequest,
} from './destination.js';

const addr16 = (...bytes: number[]): Uint8Array => {
  const out = new Uint8Array(16);
  out.set(bytes);
  return out;
};
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

describe('destination codec', () => {
  it('encodes a NAT destination like ipvsadm -a -r 198.51.100.11:8080 -m -w 3', () => {
    const actual = encodeAttributes([
      encodeDestinationRequest(
        { family: 4, address: '198.51.100.11', port: 8080 },
        { forward: 'masquerade', weight: 3, upperThreshold: 0, lowerThreshold: 0 },
      )._unsafeUnwrap(),
    ]);
    const expected = encodeAttributes([
      attrNest(CMD.DEST, [
        attrBytes(DEST.ADDR, addr16(198, 51, 100, 11)),
        attrBe16(DEST.PORT, 8080),
        attrU32(DEST.FWD_METHOD, IP_VS_CONN_F.MASQ),
        attrU32(DEST.WEIGHT, 3),
        attrU32(DEST.U_THRESH, 0),
        attrU32(DEST.L_THRESH, 0),
        attrU16(DEST.ADDR_FAMILY, SOCKET.AF_INET),
      ]),
    ]);
    assertBytesEqual(actual, expected, 'NEW_DEST attributes');
    // The same bytes written out by hand: nlattr headers little-endian, port 8080 = 0x1f90 big-endian.
    assertBytesEqual(
      actual,
      hex(`4800 0280
           1400 0100 c6336 40b 000000000000000000000000
           0600 0200 1f90 0000
           0800 0300 00000000
           0800 0400 03000000
           0800 0500 00000000
           0800 0600 00000000
           0600 0b00 0200 0000`),
      'hand-written NEW_DEST',
    );
  });

  it('encodes route and tunnel (GUE) destinations; tunnel fields only for tunnels', () => {
    const dr = encodeDestinationRequest(
      { family: 6, address: '2001:db8:5::11', port: 80 },
      { forward: 'route', weight: 1, upperThreshold: 100, lowerThreshold: 10 },
    )._unsafeUnwrap();
    expect('children' in dr && dr.children.map((c) => c.type)).toEqual([
      DEST.ADDR,
      DEST.PORT,
      DEST.FWD_METHOD,
      DEST.WEIGHT,
      DEST.U_THRESH,
      DEST.L_THRESH,
      DEST.ADDR_FAMILY,
    ]);
    const tun = encodeAttributes([
      encodeDestinationRequest(
        { family: 4, address: '198.51.100.12', port: 0 },
        {
          forward: 'tunnel',
          weight: 1,
          upperThreshold: 0,
          lowerThreshold: 0,
          tunnel: { type: 'gue', port: 6080, flags: 1 },
        },
      )._unsafeUnwrap(),
    ]);
    assertBytesEqual(
      tun,
      encodeAttributes([
        attrNest(CMD.DEST, [
          attrBytes(DEST.ADDR, addr16(198, 51, 100, 12)),
          attrBe16(DEST.PORT, 0),
          attrU32(DEST.FWD_METHOD, IP_VS_CONN_F.TUNNEL),
          attrU32(DEST.WEIGHT, 1),
          attrU8(DEST.TUN_TYPE, 1),
          attrBe16(DEST.TUN_PORT, 6080),
          attrU16(DEST.TUN_FLAGS, 1),
          attrU32(DEST.U_THRESH, 0),
          attrU32(DEST.L_THRESH, 0),
          attrU16(DEST.ADDR_FAMILY, SOCKET.AF_INET),
        ]),
      ]),
    );
  });

  it('uses the service family when ADDR_FAMILY is missing (old kernels) and hides tunnel fields of NAT', () => {
    const entry = encodeAttributes([
      attrBytes(DEST.ADDR, addr16(0x20, 0x01, 0x0d, 0xb8, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11)),
      attrBe16(DEST.PORT, 53),
      attrU32(DEST.FWD_METHOD, IP_VS_CONN_F.MASQ),
      attrU32(DEST.WEIGHT, 0),
      attrU8(DEST.TUN_TYPE, 0),
      attrBe16(DEST.TUN_PORT, 0),
      attrU16(DEST.TUN_FLAGS, 0),
      attrU32(DEST.U_THRESH, 0),
      attrU32(DEST.L_THRESH, 0),
      attrU32(DEST.ACTIVE_CONNS, 2),
    ]);
    const d = decodeDestinationAttributes(entry, 6)._unsafeUnwrap();
    expect(d.id).toEqual({ family: 6, address: '2001:db8:5::11', port: 53 });
    expect(d.config).toEqual({
      forward: 'masquerade',
      weight: 0,
      upperThreshold: 0,
      lowerThreshold: 0,
    });
    expect(d.activeConnections).toBe(2);
  });

  it('refuses bad input', () => {
    const id = { family: 4 as const, address: '198.51.100.1', port: 80 };
    const config = {
      forward: 'masquerade' as const,
      weight: 1,
      upperThreshold: 0,
      lowerThreshold: 0,
    };
    expect(encodeDestinationRequest(id, { ...config, weight: -1 }).isErr()).toBe(true);
    expect(encodeDestinationRequest({ ...id, address: '198.51.100.256' }).isErr()).toBe(true);
    expect(
      encodeDestinationRequest(id, {
        ...config,
        tunnel: { type: 'gre', port: 0, flags: 0 },
      }).isErr(),
    ).toBe(true);
  });

  it('round-trips dump entries and requests (property)', () => {
    fc.assert(
      fc.property(arbDestination, (dest) => {
        const bytes = encodeAttributes([encodeDestinationEntry(dest)._unsafeUnwrap()]).subarray(4);
        expect(decodeDestinationAttributes(bytes, 4)._unsafeUnwrap()).toEqual(dest);
      }),
    );
    fc.assert(
      fc.property(arbDestinationId, arbDestinationConfig, (id, config) => {
        const bytes = encodeAttributes([
          encodeDestinationRequest(id, config)._unsafeUnwrap(),
        ]).subarray(4);
        expect(decodeDestinationAttributes(bytes, 4)._unsafeUnwrap()).toEqual({ id, config });
      }),
    );
  });

  it('never throws on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void decodeDestinationAttributes(b, 4)),
    );
  });
});
