import {
  assertBytesEqual,
  attrBe16,
  attrBe32,
  attrBytes,
  attrNest,
  attrString,
  attrU16,
  attrU32,
  encodeAttributes,
  SOCKET,
} from '@lbkit/netlink';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IpvsService } from '../client/types.js';
import { arbService, arbServiceConfig, arbServiceId } from '../testing/arbitraries.js';
import { IPVS_CMD_ATTR as CMD, IP_VS_SVC_F, IPPROTO, IPVS_SVC_ATTR as SVC } from '../uapi.js';
import { encodeFlagsStruct } from './flags.js';
import { decodeServiceAttributes, encodeServiceEntry, encodeServiceRequest } from './service.js';

const addr16 = (...bytes: number[]): Uint8Array => {
  const out = new Uint8Array(16);
  out.set(bytes);
  return out;
};

describe('service codec', () => {
  it('encodes a TCP IPv4 rr service like ipvsadm -A -t 192.0.2.10:80 -s rr', () => {
    const actual = encodeAttributes([
      encodeServiceRequest(
        { family: 4, protocol: 'tcp', address: '192.0.2.10', port: 80 },
        { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 },
      )._unsafeUnwrap(),
    ]);
    const expected = encodeAttributes([
      attrNest(CMD.SERVICE, [
        attrU16(SVC.AF, SOCKET.AF_INET),
        attrU16(SVC.PROTOCOL, IPPROTO.TCP),
        attrBytes(SVC.ADDR, addr16(192, 0, 2, 10)),
        attrBe16(SVC.PORT, 80),
        attrString(SVC.SCHED_NAME, 'rr'),
        attrBytes(SVC.FLAGS, encodeFlagsStruct(0, 0xffffffff)),
        attrU32(SVC.TIMEOUT, 0),
        attrBe32(SVC.NETMASK, 0xffffffff),
      ]),
    ]);
    assertBytesEqual(actual, expected, 'NEW_SERVICE attributes');
  });

  it('encodes a persistent sh service with fallback+port and a /24 netmask', () => {
    const actual = encodeAttributes([
      encodeServiceRequest(
        { family: 4, protocol: 'udp', address: '192.0.2.53', port: 53 },
        { scheduler: 'sh', flags: ['persistent', 'sched-1', 'sched-2'], timeout: 300, netmask: 24 },
      )._unsafeUnwrap(),
    ]);
    const bits = IP_VS_SVC_F.PERSISTENT | IP_VS_SVC_F.SCHED_SH_FALLBACK | IP_VS_SVC_F.SCHED_SH_PORT;
    const expected = encodeAttributes([
      attrNest(CMD.SERVICE, [
        attrU16(SVC.AF, SOCKET.AF_INET),
        attrU16(SVC.PROTOCOL, IPPROTO.UDP),
        attrBytes(SVC.ADDR, addr16(192, 0, 2, 53)),
        attrBe16(SVC.PORT, 53),
        attrString(SVC.SCHED_NAME, 'sh'),
        attrBytes(SVC.FLAGS, encodeFlagsStruct(bits)),
        attrU32(SVC.TIMEOUT, 300),
        attrBe32(SVC.NETMASK, 0xffffff00),
      ]),
    ]);
    assertBytesEqual(actual, expected, 'persistent sh service');
  });

  it('encodes fwmark and IPv6 identities (v6 netmask is a plain prefix length)', () => {
    const fw = encodeAttributes([encodeServiceRequest({ family: 6, fwmark: 7 })._unsafeUnwrap()]);
    assertBytesEqual(
      fw,
      encodeAttributes([
        attrNest(CMD.SERVICE, [attrU16(SVC.AF, SOCKET.AF_INET6), attrU32(SVC.FWMARK, 7)]),
      ]),
    );
    const v6 = encodeAttributes([
      encodeServiceRequest(
        { family: 6, protocol: 'tcp', address: '2001:db8::10', port: 443 },
        { scheduler: 'mh', flags: [], timeout: 0, netmask: 128 },
      )._unsafeUnwrap(),
    ]);
    assertBytesEqual(
      v6,
      encodeAttributes([
        attrNest(CMD.SERVICE, [
          attrU16(SVC.AF, SOCKET.AF_INET6),
          attrU16(SVC.PROTOCOL, IPPROTO.TCP),
          attrBytes(
            SVC.ADDR,
            addr16(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10),
          ),
          attrBe16(SVC.PORT, 443),
          attrString(SVC.SCHED_NAME, 'mh'),
          attrBytes(SVC.FLAGS, encodeFlagsStruct(0)),
          attrU32(SVC.TIMEOUT, 0),
          attrU32(SVC.NETMASK, 128),
        ]),
      ]),
    );
  });

  it('decodes a kernel dump entry: HASHED flag hidden, unknown attributes kept', () => {
    const entry = encodeAttributes([
      attrU16(SVC.AF, SOCKET.AF_INET),
      attrU16(SVC.PROTOCOL, IPPROTO.TCP),
      attrBytes(SVC.ADDR, addr16(192, 0, 2, 10)),
      attrBe16(SVC.PORT, 80),
      attrString(SVC.SCHED_NAME, 'wlc'),
      attrBytes(SVC.FLAGS, encodeFlagsStruct(IP_VS_SVC_F.HASHED | IP_VS_SVC_F.PERSISTENT)),
      attrU32(SVC.TIMEOUT, 360),
      attrBe32(SVC.NETMASK, 0xffffffff),
      attrU32(99, 1234),
    ]);
    const service = decodeServiceAttributes(entry)._unsafeUnwrap();
    expect(service.id).toEqual({ family: 4, protocol: 'tcp', address: '192.0.2.10', port: 80 });
    expect(service.config).toEqual({
      scheduler: 'wlc',
      flags: ['persistent'],
      timeout: 360,
      netmask: 32,
    });
    expect(service.unknownAttributes?.map((a) => a.type)).toEqual([99]);
  });

  it('accepts a 4-byte IPv4 address (old kernels) and refuses a service without identity', () => {
    const short = encodeAttributes([
      attrU16(SVC.AF, SOCKET.AF_INET),
      attrU16(SVC.PROTOCOL, IPPROTO.UDP),
      attrBytes(SVC.ADDR, Uint8Array.of(192, 0, 2, 1)),
      attrBe16(SVC.PORT, 53),
    ]);
    expect(decodeServiceAttributes(short)._unsafeUnwrap().id).toEqual({
      family: 4,
      protocol: 'udp',
      address: '192.0.2.1',
      port: 53,
    });
    const none = encodeAttributes([attrU16(SVC.AF, SOCKET.AF_INET)]);
    expect(decodeServiceAttributes(none)._unsafeUnwrapErr().kind).toBe('parse');
  });

  it('refuses to encode bad input instead of sending it', () => {
    const id = { family: 4 as const, protocol: 'tcp' as const, address: '192.0.2.10', port: 80 };
    const config = { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 };
    expect(encodeServiceRequest({ ...id, address: '2001:db8::1' })._unsafeUnwrapErr().kind).toBe(
      'invalid',
    );
    expect(encodeServiceRequest({ ...id, port: 70000 })._unsafeUnwrapErr().kind).toBe('invalid');
    expect(encodeServiceRequest(id, { ...config, scheduler: 'r r' })._unsafeUnwrapErr().kind).toBe(
      'invalid',
    );
    expect(encodeServiceRequest(id, { ...config, scheduler: 'x'.repeat(16) }).isErr()).toBe(true);
    expect(encodeServiceRequest(id, { ...config, netmask: 33 }).isErr()).toBe(true);
    expect(encodeServiceRequest({ family: 4, fwmark: 0 }).isErr()).toBe(true);
  });

  it('round-trips dump entries: decode(encode(x)) == x (property)', () => {
    fc.assert(
      fc.property(arbService, (service: IpvsService) => {
        const attr = encodeServiceEntry(service)._unsafeUnwrap();
        const bytes = encodeAttributes([attr]).subarray(4);
        expect(decodeServiceAttributes(bytes)._unsafeUnwrap()).toEqual(service);
      }),
    );
  });

  it('round-trips requests (identity + config) (property)', () => {
    fc.assert(
      fc.property(
        arbServiceId.chain((id) => fc.tuple(fc.constant(id), arbServiceConfig(id.family))),
        ([id, config]) => {
          const bytes = encodeAttributes([
            encodeServiceRequest(id, config)._unsafeUnwrap(),
          ]).subarray(4);
          const back = decodeServiceAttributes(bytes)._unsafeUnwrap();
          expect(back).toEqual({ id, config });
        },
      ),
    );
  });

  it('never throws on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        decodeServiceAttributes(bytes);
      }),
    );
  });
});
