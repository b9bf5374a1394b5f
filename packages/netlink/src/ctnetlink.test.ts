import fc from 'fast-check';
import { err, ok } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { attrNest, attrU8, decodeAttributes, encodeAttributes } from './attributes.js';
import { createNetlinkConnection } from './connection.js';
import {
  type CtEntry,
  carriesTraffic,
  countFlows,
  decodeCtEntry,
  deleteFlows,
  encodeCtDelete,
  encodeCtDump,
  matchesFlow,
} from './ctnetlink.js';
import { netlinkError } from './errors.js';
import { decodeMessages, encodeAck, encodeMessage } from './message.js';
import type { NetlinkSocket } from './socket.js';
import { CTNL, ERRNO, NLM } from './uapi.js';

const ip = (...b: number[]) => new Uint8Array(b);
const VIP = ip(192, 0, 2, 10);
const S1 = ip(198, 51, 100, 1);
const S2 = ip(198, 51, 100, 2);
const CLIENT = ip(203, 0, 113, 5);

/** An entry as the kernel dumps it: client -> VIP:53, DNATed to `server`:5353. */
const entry = (server: Uint8Array, sport = 40000, zone = 0): CtEntry => ({
  orig: { src: CLIENT, dst: VIP, protocol: 17, srcPort: sport, dstPort: 53 },
  reply: { src: server, dst: CLIENT, protocol: 17, srcPort: 5353, dstPort: sport },
  zone,
});

/** A dumped entry's payload: the delete encoding carries the orig tuple; add the reply. */
function dumped(e: CtEntry): Uint8Array {
  const withReply = encodeCtDelete({ ...e, orig: e.reply });
  const origPart = encodeCtDelete(e).subarray(CTNL.GENMSG_LEN);
  const replyAttrs = decodeAttributes(withReply.subarray(CTNL.GENMSG_LEN))._unsafeUnwrap();
  const reply = replyAttrs.find((a) => a.type === CTNL.CTA_TUPLE_ORIG)!;
  const children = decodeAttributes(reply.value)._unsafeUnwrap();
  const replyNest = encodeAttributes([
    attrNest(
      CTNL.CTA_TUPLE_REPLY,
      children.map((c) => ({
        type: c.type,
        children: decodeAttributes(c.value)
          ._unsafeUnwrap()
          .map((g) => ({ type: g.type, value: g.value })),
      })),
    ),
  ]);
  const out = new Uint8Array(CTNL.GENMSG_LEN + origPart.length + replyNest.length);
  out[0] = 2;
  out.set(origPart, CTNL.GENMSG_LEN);
  out.set(replyNest, CTNL.GENMSG_LEN + origPart.length);
  return out;
}

const query = (server: Uint8Array) => ({
  protocol: 17,
  dst: VIP,
  dstPort: 53,
  replySrc: server,
  replySrcPort: 5353,
});

/** A dumped TCP entry's payload with its CTA_PROTOINFO (TCP state). */
function dumpedTcp(e: CtEntry, state: number): Uint8Array {
  const tcp = {
    ...e,
    orig: { ...e.orig, protocol: 6 },
    reply: { ...e.reply, protocol: 6 },
  };
  const base = dumped(tcp);
  const info = encodeAttributes([
    attrNest(CTNL.CTA_PROTOINFO, [
      attrNest(CTNL.CTA_PROTOINFO_TCP, [attrU8(CTNL.CTA_PROTOINFO_TCP_STATE, state)]),
    ]),
  ]);
  const out = new Uint8Array(base.length + info.length);
  out.set(base);
  out.set(info, base.length);
  return out;
}

/** An in-memory ctnetlink: answers dumps from `table`, deletes by exact encoding. */
function fakeKernel(
  table: CtEntry[],
  deleteErrno = 0,
  encode: (e: CtEntry) => Uint8Array = dumped,
) {
  const replies: Uint8Array[] = [];
  const deleted: CtEntry[] = [];
  const reply = (type: number, seq: number, payload: Uint8Array) =>
    replies.push(encodeMessage({ type, flags: NLM.F_MULTI, seq, pid: 0, payload }));
  const socket: NetlinkSocket = {
    portId: 7,
    send(datagram) {
      for (const m of decodeMessages(datagram)._unsafeUnwrap()) {
        if ((m.type & 0xff) === CTNL.MSG_CT_GET) {
          expect(m.flags & NLM.F_DUMP).toBe(NLM.F_DUMP);
          for (const e of table) reply(m.type, m.seq, encode(e));
          reply(NLM.DONE, m.seq, new Uint8Array(4));
        } else {
          const same = (e: CtEntry) => encodeCtDelete(e).every((b, i) => b === m.payload[i]);
          const i = table.findIndex(same);
          if (i >= 0 && deleteErrno === 0) deleted.push(...table.splice(i, 1));
          const errno = i < 0 ? ERRNO.ENOENT : deleteErrno;
          reply(NLM.ERROR, m.seq, encodeAck({ errno, seq: m.seq }, m.type));
        }
      }
      return ok(undefined);
    },
    receive() {
      const next = replies.shift();
      return next ? ok(next) : err(netlinkError('timeout', 'nothing queued'));
    },
    close() {},
  };
  return { connection: createNetlinkConnection(socket, 1), deleted };
}

describe('ctnetlink codec', () => {
  it('round-trips an entry through the dump encoding, with its zone', () => {
    const e = entry(S1, 40001, 7);
    expect(decodeCtEntry(dumped(e))).toEqual(e);
  });

  it('asks the kernel to filter the dump by original destination, UDP and port', () => {
    const payload = encodeCtDump(query(S1));
    expect(payload[0]).toBe(2); // AF_INET
    const attrs = decodeAttributes(payload.subarray(4))._unsafeUnwrap();
    expect(attrs.map((a) => a.type)).toEqual([CTNL.CTA_TUPLE_ORIG, CTNL.CTA_FILTER]);
    expect(encodeCtDump(query(S1), false)).toEqual(new Uint8Array([2, 0, 0, 0]));
  });

  it('matches only the flows the query names', () => {
    expect(matchesFlow(entry(S1), query(S1))).toBe(true);
    expect(matchesFlow(entry(S2), query(S1))).toBe(false);
    expect(matchesFlow(entry(S1), { ...query(S1), replySrcPort: 5354 })).toBe(false);
    expect(matchesFlow(entry(S1), { ...query(S1), dstPort: 54 })).toBe(false);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const e = decodeCtEntry(bytes);
        expect(e === undefined || typeof e.zone === 'number').toBe(true);
      }),
    );
  });
});

describe('deleteFlows', () => {
  it('deletes the entries a destination answered, leaves the others, counts them', () => {
    const table = [entry(S1, 40001), entry(S2, 40002), entry(S1, 40003)];
    const k = fakeKernel(table);
    expect(deleteFlows(k.connection, [query(S1)])._unsafeUnwrap()).toBe(2);
    expect(k.deleted.map((e) => e.orig.srcPort)).toEqual([40001, 40003]);
    expect(table.map((e) => e.orig.srcPort)).toEqual([40002]);
  });

  it('fails with the kernel error of a refused delete', () => {
    const k = fakeKernel([entry(S1)], ERRNO.EPERM);
    expect(deleteFlows(k.connection, [query(S1)])._unsafeUnwrapErr().errno).toBe(ERRNO.EPERM);
  });
});

describe('countFlows', () => {
  it('decodes the TCP state of a dumped entry', () => {
    const e = decodeCtEntry(dumpedTcp(entry(S1), 3))!;
    expect(e.tcpState).toBe(3);
    expect(carriesTraffic(e)).toBe(true);
    expect(carriesTraffic(decodeCtEntry(dumpedTcp(entry(S1), 7))!)).toBe(false);
    expect(carriesTraffic(decodeCtEntry(dumpedTcp(entry(S1), 8))!)).toBe(false);
    expect(carriesTraffic(entry(S1))).toBe(true); // UDP: present = a flow
  });

  it('counts per destination from one dump, leaving TIME_WAIT and CLOSE out', () => {
    const states = new Map([
      [40001, 3],
      [40002, 7],
      [40003, 5],
      [40004, 3],
      [40005, 8],
    ]);
    const table = [
      entry(S1, 40001),
      entry(S1, 40002),
      entry(S1, 40003),
      entry(S2, 40004),
      entry(S2, 40005),
    ];
    const k = fakeKernel(table, 0, (e) => dumpedTcp(e, states.get(e.orig.srcPort)!));
    const tcp = (server: Uint8Array) => ({ ...query(server), protocol: 6 });
    const unknown = ip(198, 51, 100, 9);
    expect(countFlows(k.connection, [tcp(S1), tcp(S2), tcp(unknown)])._unsafeUnwrap()).toEqual([
      2, 1, 0,
    ]);
    expect(k.deleted).toEqual([]);
  });

  it('counts UDP entries present', () => {
    const k = fakeKernel([entry(S1, 40001), entry(S2, 40002), entry(S1, 40003)]);
    expect(countFlows(k.connection, [query(S1), query(S2)])._unsafeUnwrap()).toEqual([2, 1]);
  });
});
