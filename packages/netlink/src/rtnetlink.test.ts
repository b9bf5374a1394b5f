import { err, ok } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { attrBytes, attrString, attrU32, encodeAttributes } from './attributes.js';
import type { NetlinkConnection } from './connection.js';
import { errnoError } from './errors.js';
import { assertBytesEqual } from './hexdump-diff.js';
import {
  addAddress,
  decodeInterfaceAddress,
  deleteAddress,
  encodeAddressChange,
  encodeAddressDump,
} from './rtnetlink.js';
import { ERRNO, NLM, RTNL, SOCKET } from './uapi.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** An `RTM_NEWADDR` payload as the kernel sends it: ifaddrmsg, then attributes. */
function newaddr(header: number[], attrs: Parameters<typeof encodeAttributes>[0]): Uint8Array {
  const body = encodeAttributes(attrs);
  const out = new Uint8Array(RTNL.IFADDRMSG_LEN + body.length);
  out.set(header);
  out.set(body, RTNL.IFADDRMSG_LEN);
  return out;
}

describe('rtnetlink addresses (codecs)', () => {
  it('asks for every family with a bare ifaddrmsg', () => {
    expect([...encodeAddressDump()]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(encodeAddressDump(SOCKET.AF_INET)[0]).toBe(SOCKET.AF_INET);
  });

  it('decodes IFA_LOCAL before IFA_ADDRESS (a point-to-point peer is not ours), flags and label', () => {
    const payload = newaddr(
      [SOCKET.AF_INET, 24, 0x80, 0, 7, 0, 0, 0],
      [
        attrBytes(RTNL.IFA_ADDRESS, Uint8Array.of(192, 0, 2, 99)),
        attrBytes(RTNL.IFA_LOCAL, Uint8Array.of(192, 0, 2, 1)),
        attrString(RTNL.IFA_LABEL, 'eth0'),
        attrU32(RTNL.IFA_FLAGS, 0x280),
      ],
    );
    expect(decodeInterfaceAddress(payload)).toEqual({
      index: 7,
      address: Uint8Array.of(192, 0, 2, 1),
      prefixLength: 24,
      scope: 0,
      flags: 0x280,
      label: 'eth0',
    });
  });

  it('takes IFA_ADDRESS alone (IPv6) and refuses what has no address or is short', () => {
    const v6 = new Uint8Array(16);
    v6.set([0x20, 0x01, 0x0d, 0xb8], 0);
    v6[15] = 1;
    const decoded = decodeInterfaceAddress(
      newaddr([SOCKET.AF_INET6, 128, 0, 0, 2, 0, 0, 0], [attrBytes(RTNL.IFA_ADDRESS, v6)]),
    );
    expect(decoded?.address).toEqual(v6);
    expect(decoded?.flags).toBe(0);
    expect(decodeInterfaceAddress(newaddr([2, 32, 0, 0, 1, 0, 0, 0], []))).toBeUndefined();
    expect(
      decodeInterfaceAddress(
        newaddr([2, 32, 0, 0, 1, 0, 0, 0], [attrBytes(RTNL.IFA_LOCAL, Uint8Array.of(1, 2, 3))]),
      ),
    ).toBeUndefined();
    expect(decodeInterfaceAddress(new Uint8Array(4))).toBeUndefined();
  });
});

describe('rtnetlink address changes (codecs)', () => {
  it('a v4 host address: family 2, /32, no flags, scope global, index, IFA_LOCAL and IFA_ADDRESS', () => {
    assertBytesEqual(
      encodeAddressChange(7, Uint8Array.of(192, 0, 2, 10))._unsafeUnwrap(),
      hex('02 20 00 00 07000000  0800 0200 c000020a  0800 0100 c000020a'),
    );
  });

  it('a v6 host address: family 10, /128', () => {
    const v6 = hex('20010db8 00000000 00000000 00000010');
    assertBytesEqual(
      encodeAddressChange(0x0102, v6)._unsafeUnwrap(),
      hex(`0a 80 00 00 02010000
           1400 0200 20010db8 00000000 00000000 00000010
           1400 0100 20010db8 00000000 00000000 00000010`),
    );
  });

  it('refuses another address length or a bad index (nothing to send)', () => {
    expect(encodeAddressChange(7, Uint8Array.of(1, 2, 3))._unsafeUnwrapErr().kind).toBe('invalid');
    expect(encodeAddressChange(0, Uint8Array.of(192, 0, 2, 1)).isErr()).toBe(true);
    expect(encodeAddressChange(2 ** 31, Uint8Array.of(192, 0, 2, 1)).isErr()).toBe(true);
  });
});

describe('rtnetlink address changes (calls)', () => {
  const vip = Uint8Array.of(192, 0, 2, 10);
  /** A connection answering every request with `errno` (0 = ack). */
  const answering = (errno: number) => {
    const sent: { type: number; flags: number; operation?: string }[] = [];
    const connection = {
      request: (type: number, _p: Uint8Array, _m: string, operation?: string, flags = 0) => {
        sent.push({ type, flags, ...(operation ? { operation } : {}) });
        return errno === 0 ? ok([]) : err(errnoError(errno, operation));
      },
    } as unknown as NetlinkConnection;
    return { connection, sent };
  };

  it('add sends RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL; EEXIST is done', () => {
    const fresh = answering(0);
    expect(addAddress(fresh.connection, 7, vip, 'add 192.0.2.10').isOk()).toBe(true);
    expect(fresh.sent).toEqual([
      { type: RTNL.RTM_NEWADDR, flags: NLM.F_CREATE | NLM.F_EXCL, operation: 'add 192.0.2.10' },
    ]);
    expect(addAddress(answering(ERRNO.EEXIST).connection, 7, vip).isOk()).toBe(true);
    const error = addAddress(answering(ERRNO.EPERM).connection, 7, vip)._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: 'permission', operation: 'RTM_NEWADDR' });
  });

  it('delete sends RTM_DELADDR; EADDRNOTAVAIL is done, ENODEV is not', () => {
    const fresh = answering(0);
    expect(deleteAddress(fresh.connection, 7, vip).isOk()).toBe(true);
    expect(fresh.sent[0]).toMatchObject({ type: RTNL.RTM_DELADDR, flags: 0 });
    expect(deleteAddress(answering(ERRNO.EADDRNOTAVAIL).connection, 7, vip).isOk()).toBe(true);
    expect(deleteAddress(answering(ERRNO.EEXIST).connection, 7, vip).isErr()).toBe(true);
    expect(deleteAddress(answering(ERRNO.ENODEV).connection, 7, vip).isErr()).toBe(true);
  });

  it('an invalid address sends nothing', () => {
    const fresh = answering(0);
    expect(addAddress(fresh.connection, 7, new Uint8Array(5)).isErr()).toBe(true);
    expect(fresh.sent).toHaveLength(0);
  });
});
