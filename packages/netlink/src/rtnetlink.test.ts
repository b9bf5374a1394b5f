import { describe, expect, it } from 'vitest';
import { attrBytes, attrString, attrU32, encodeAttributes } from './attributes.js';
import { decodeInterfaceAddress, encodeAddressDump } from './rtnetlink.js';
import { RTNL, SOCKET } from './uapi.js';

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
