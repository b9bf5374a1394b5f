import fc from 'fast-check';
import { err, ok, type Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { attrNest, attrString, encodeAttributes } from './attributes.js';
import type { NetlinkConnection } from './connection.js';
import { errnoError, type NetlinkError } from './errors.js';
import { assertBytesEqual } from './hexdump-diff.js';
import type { NetlinkMessage } from './message.js';
import {
  checkLinkName,
  createDummyLink,
  decodeLink,
  deleteLink,
  encodeDummyLink,
  encodeLinkByName,
  encodeLinkDelete,
  findLink,
} from './rtnetlink-link.js';
import { ERRNO, NLM, RTNL } from './uapi.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** An `RTM_NEWLINK` payload as the kernel answers: ifinfomsg (index, flags), then attributes. */
function newlink(index: number, flags: number, attrs: Parameters<typeof encodeAttributes>[0]) {
  const body = encodeAttributes(attrs);
  const out = new Uint8Array(RTNL.IFINFOMSG_LEN + body.length);
  const view = new DataView(out.buffer);
  view.setInt32(4, index, true);
  view.setUint32(8, flags, true);
  out.set(body, RTNL.IFINFOMSG_LEN);
  return out;
}

const linkOf = (index: number, name: string, kind?: string) =>
  newlink(index, 0x1002, [
    attrString(RTNL.IFLA_IFNAME, name),
    ...(kind ? [attrNest(RTNL.IFLA_LINKINFO, [attrString(RTNL.IFLA_INFO_KIND, kind)])] : []),
  ]);

interface Sent {
  readonly type: number;
  readonly payload: Uint8Array;
  readonly mode: string;
  readonly flags: number;
}

/** A connection that records requests and answers each with `answer(type)`. */
function fakeConnection(answer: (type: number) => Result<NetlinkMessage[], NetlinkError>) {
  const sent: Sent[] = [];
  const connection = {
    request: (type: number, payload: Uint8Array, mode: string, _op?: string, flags = 0) => {
      sent.push({ type, payload, mode, flags });
      return answer(type);
    },
  } as unknown as NetlinkConnection;
  return { connection, sent };
}

const reply = (payload: Uint8Array): NetlinkMessage[] => [
  { type: RTNL.RTM_NEWLINK, flags: 0, seq: 1, pid: 0, payload },
];

describe('rtnetlink links (codecs)', () => {
  it('encodes a dummy link by name, down (no IFF_UP), kind nested in IFLA_LINKINFO', () => {
    assertBytesEqual(
      encodeDummyLink('lbkit-vips0')._unsafeUnwrap(),
      hex(`
        00 00 0000 00000000 00000000 00000000
        1000 0300 6c626b69 742d7669 70733000
        1000 1280 0a00 0100 64756d6d 79 000000`),
    );
  });

  it('asks for a link by name with index 0, and deletes by index', () => {
    assertBytesEqual(
      encodeLinkByName('eth0')._unsafeUnwrap(),
      hex('00 00 0000 00000000 00000000 00000000  0900 0300 65746830 00 000000'),
    );
    assertBytesEqual(
      encodeLinkDelete(7)._unsafeUnwrap(),
      hex('00 00 0000 07000000 00000000 00000000'),
    );
    expect(encodeLinkDelete(0)._unsafeUnwrapErr().kind).toBe('invalid');
    expect(encodeLinkDelete(1.5).isErr()).toBe(true);
  });

  it('link names: 1..15 of [A-Za-z0-9_.-], never . or ..', () => {
    for (const good of ['lbkit-vips0', 'kube-ipvs0', 'a', 'x_y.z', '123456789012345']) {
      expect(checkLinkName(good)._unsafeUnwrap()).toBe(good);
    }
    for (const bad of ['', '.', '..', '1234567890123456', 'eth0:1', 'a/b', 'a b', 'vïps']) {
      expect(checkLinkName(bad)._unsafeUnwrapErr().kind).toBe('invalid');
      expect(encodeDummyLink(bad).isErr()).toBe(true);
    }
  });

  it('decodes index, name, kind and flags; refuses a short payload or one without a name', () => {
    expect(decodeLink(linkOf(9, 'lbkit-vips0', 'dummy'))).toEqual({
      index: 9,
      name: 'lbkit-vips0',
      kind: 'dummy',
      flags: 0x1002,
    });
    expect(decodeLink(linkOf(1, 'lo'))).toEqual({ index: 1, name: 'lo', flags: 0x1002 });
    expect(decodeLink(newlink(3, 0, []))).toBeUndefined();
    expect(decodeLink(new Uint8Array(8))).toBeUndefined();
  });

  it('decodeLink never throws and checkLinkName accepts only valid names (random input)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        const link = decodeLink(bytes);
        return link === undefined || typeof link.name === 'string';
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (name) => {
        const valid = /^[A-Za-z0-9_.-]{1,15}$/.test(name) && name !== '.' && name !== '..';
        return checkLinkName(name).isOk() === valid;
      }),
    );
  });
});

describe('rtnetlink links (calls)', () => {
  it('creates with NLM_F_CREATE|NLM_F_EXCL, then reads the index back', () => {
    const { connection, sent } = fakeConnection((type) =>
      type === RTNL.RTM_NEWLINK ? ok([]) : ok(reply(linkOf(12, 'lbkit-vips0', 'dummy'))),
    );
    expect(createDummyLink(connection, 'lbkit-vips0')._unsafeUnwrap().index).toBe(12);
    expect(sent.map((s) => [s.type, s.mode, s.flags])).toEqual([
      [RTNL.RTM_NEWLINK, 'ack', NLM.F_CREATE | NLM.F_EXCL],
      [RTNL.RTM_GETLINK, 'ack', 0],
    ]);
  });

  it('EEXIST on a dummy is fine; on a link of another kind it is a clear error', () => {
    const exists = err(errnoError(ERRNO.EEXIST, 'RTM_NEWLINK'));
    const dummy = fakeConnection((type) =>
      type === RTNL.RTM_NEWLINK ? exists : ok(reply(linkOf(4, 'vips', 'dummy'))),
    );
    expect(createDummyLink(dummy.connection, 'vips')._unsafeUnwrap()).toMatchObject({
      index: 4,
      kind: 'dummy',
    });
    const veth = fakeConnection((type) =>
      type === RTNL.RTM_NEWLINK ? exists : ok(reply(linkOf(4, 'vips', 'veth'))),
    );
    const refused = createDummyLink(veth.connection, 'vips')._unsafeUnwrapErr();
    expect(refused.kind).toBe('exists');
    expect(refused.message).toBe('link vips exists and is a veth link, not a dummy');
    const physical = fakeConnection((type) =>
      type === RTNL.RTM_NEWLINK ? exists : ok(reply(linkOf(2, 'eth0'))),
    );
    expect(createDummyLink(physical.connection, 'eth0')._unsafeUnwrapErr().message).toMatch(
      /is a link without a kind .*, not a dummy$/,
    );
    // Nothing but the create and the read was sent: the existing link is left alone.
    expect(veth.sent.map((s) => s.type)).toEqual([RTNL.RTM_NEWLINK, RTNL.RTM_GETLINK]);
  });

  it('other errors stop; no driver is unavailable; an invalid name sends nothing', () => {
    const noDriver = fakeConnection(() => err(errnoError(ERRNO.EOPNOTSUPP, 'RTM_NEWLINK')));
    expect(createDummyLink(noDriver.connection, 'vips')._unsafeUnwrapErr().kind).toBe(
      'unavailable',
    );
    expect(noDriver.sent).toHaveLength(1);
    const none = fakeConnection(() => ok([]));
    expect(createDummyLink(none.connection, 'a/b')._unsafeUnwrapErr().kind).toBe('invalid');
    expect(none.sent).toHaveLength(0);
  });

  it('findLink: ENODEV is no link; deleteLink: ENODEV is done, EPERM is not', () => {
    const gone = fakeConnection(() => err(errnoError(ERRNO.ENODEV, 'x')));
    expect(findLink(gone.connection, 'vips')._unsafeUnwrap()).toBeUndefined();
    expect(deleteLink(gone.connection, 4).isOk()).toBe(true);
    expect(gone.sent[1]).toMatchObject({ type: RTNL.RTM_DELLINK, mode: 'ack', flags: 0 });
    const denied = fakeConnection(() => err(errnoError(ERRNO.EPERM, 'x')));
    expect(deleteLink(denied.connection, 4)._unsafeUnwrapErr().kind).toBe('permission');
    expect(findLink(denied.connection, 'vips')._unsafeUnwrapErr().kind).toBe('permission');
  });
});
