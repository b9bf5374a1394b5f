/**
 * Conntrack over netlink (ctnetlink, `NETLINK_NETFILTER` subsystem 1): dump
 * the entries towards one service, count or delete those a given destination
 * answered, without a `conntrack` process. Codecs are pure; `deleteFlows`
 * talks to the kernel through a `NetlinkConnection`.
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import {
  type AttrSpec,
  attrBe16,
  attrBytes,
  attrNest,
  attrU8,
  attrU32,
  decodeAttributes,
  encodeAttributes,
  indexAttributes,
  type NlAttr,
  readBe16,
  readU8,
} from './attributes.js';
import type { NetlinkConnection } from './connection.js';
import type { NetlinkError } from './errors.js';
import { CTNL, ERRNO, SOCKET } from './uapi.js';

/** One direction of a conntrack entry: addresses as 4 or 16 bytes, ports host order. */
export interface CtTuple {
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** IPPROTO number (17 = UDP). */
  readonly protocol: number;
  readonly srcPort: number;
  readonly dstPort: number;
}

/** A conntrack entry as dumped: its original and reply tuples and zone. */
export interface CtEntry {
  readonly orig: CtTuple;
  readonly reply: CtTuple;
  /** Conntrack zone, 0 = the default. */
  readonly zone: number;
  /** TCP only: the conntrack state (`enum tcp_conntrack`, 3 = ESTABLISHED, 7 = TIME_WAIT). */
  readonly tcpState?: number;
}

/**
 * Entries to delete: flows whose original destination is `dst`:`dstPort`
 * (the service) and whose reply comes from `replySrc`:`replySrcPort` (the
 * destination they were DNATed to). Addresses are 4 (IPv4) or 16 bytes.
 */
export interface CtFlowQuery {
  readonly protocol: number;
  readonly dst: Uint8Array;
  readonly dstPort: number;
  readonly replySrc: Uint8Array;
  readonly replySrcPort: number;
}

const familyOf = (address: Uint8Array): number =>
  address.length === 16 ? SOCKET.AF_INET6 : SOCKET.AF_INET;

const msgType = (msg: number): number => (CTNL.SUBSYS_CTNETLINK << 8) | msg;

function nfgen(family: number, attributes: readonly AttrSpec[]): Uint8Array {
  const body = encodeAttributes(attributes);
  const out = new Uint8Array(CTNL.GENMSG_LEN + body.length);
  out[0] = family;
  out[1] = CTNL.NFNETLINK_V0;
  out.set(body, CTNL.GENMSG_LEN);
  return out;
}

const ipAttrs = (src: Uint8Array | undefined, dst: Uint8Array | undefined): AttrSpec[] => {
  const v6 = (src ?? dst)!.length === 16;
  const out: AttrSpec[] = [];
  if (src) out.push(attrBytes(v6 ? CTNL.CTA_IP_V6_SRC : CTNL.CTA_IP_V4_SRC, src));
  if (dst) out.push(attrBytes(v6 ? CTNL.CTA_IP_V6_DST : CTNL.CTA_IP_V4_DST, dst));
  return out;
};

const tupleAttr = (type: number, t: CtTuple): AttrSpec =>
  attrNest(type, [
    attrNest(CTNL.CTA_TUPLE_IP, ipAttrs(t.src, t.dst)),
    attrNest(CTNL.CTA_TUPLE_PROTO, [
      attrU8(CTNL.CTA_PROTO_NUM, t.protocol),
      attrBe16(CTNL.CTA_PROTO_SRC_PORT, t.srcPort),
      attrBe16(CTNL.CTA_PROTO_DST_PORT, t.dstPort),
    ]),
  ]);

/**
 * Payload of an `IPCTNL_MSG_CT_GET` dump of the entries of `protocol` whose
 * original destination is `dst`:`dstPort`. The filter (CTA_FILTER) needs
 * Linux 5.8+; `filtered: false` asks for every entry of the address family.
 */
export function encodeCtDump(
  query: Pick<CtFlowQuery, 'protocol' | 'dst' | 'dstPort'>,
  filtered = true,
): Uint8Array {
  const family = familyOf(query.dst);
  if (!filtered) return nfgen(family, []);
  return nfgen(family, [
    attrNest(CTNL.CTA_TUPLE_ORIG, [
      attrNest(CTNL.CTA_TUPLE_IP, ipAttrs(undefined, query.dst)),
      attrNest(CTNL.CTA_TUPLE_PROTO, [
        attrU8(CTNL.CTA_PROTO_NUM, query.protocol),
        attrBe16(CTNL.CTA_PROTO_DST_PORT, query.dstPort),
      ]),
    ]),
    attrNest(CTNL.CTA_FILTER, [
      attrU32(
        CTNL.CTA_FILTER_ORIG_FLAGS,
        CTNL.FILTER_IP_DST | CTNL.FILTER_PROTO_NUM | CTNL.FILTER_PROTO_DST_PORT,
      ),
      attrU32(CTNL.CTA_FILTER_REPLY_FLAGS, 0),
    ]),
  ]);
}

/** Payload of an `IPCTNL_MSG_CT_DELETE` of exactly `entry` (by its original tuple and zone). */
export function encodeCtDelete(entry: CtEntry): Uint8Array {
  const attrs = [tupleAttr(CTNL.CTA_TUPLE_ORIG, entry.orig)];
  if (entry.zone !== 0) attrs.push(attrBe16(CTNL.CTA_ZONE, entry.zone));
  return nfgen(familyOf(entry.orig.src), attrs);
}

const nested = (a: NlAttr | undefined): Map<number, NlAttr> | undefined => {
  if (!a) return undefined;
  const attrs = decodeAttributes(a.value);
  return attrs.isOk() ? indexAttributes(attrs.value) : undefined;
};

function decodeTuple(a: NlAttr | undefined): CtTuple | undefined {
  const tuple = nested(a);
  const ip = nested(tuple?.get(CTNL.CTA_TUPLE_IP));
  const proto = nested(tuple?.get(CTNL.CTA_TUPLE_PROTO));
  if (!ip || !proto) return undefined;
  const src = (ip.get(CTNL.CTA_IP_V4_SRC) ?? ip.get(CTNL.CTA_IP_V6_SRC))?.value;
  const dst = (ip.get(CTNL.CTA_IP_V4_DST) ?? ip.get(CTNL.CTA_IP_V6_DST))?.value;
  const protocol = proto.get(CTNL.CTA_PROTO_NUM);
  if (!src || !dst || !protocol || src.length !== dst.length) return undefined;
  const port = (type: number) => {
    const p = proto.get(type);
    return p ? (readBe16(p) ?? 0) : 0;
  };
  return {
    src: src.slice(),
    dst: dst.slice(),
    protocol: readU8(protocol) ?? 0,
    srcPort: port(CTNL.CTA_PROTO_SRC_PORT),
    dstPort: port(CTNL.CTA_PROTO_DST_PORT),
  };
}

/**
 * Decodes one dumped conntrack message's payload (nfgenmsg + attributes);
 * `undefined` for an entry without both tuples (never throws).
 */
export function decodeCtEntry(payload: Uint8Array): CtEntry | undefined {
  const attrs = decodeAttributes(payload.subarray(CTNL.GENMSG_LEN));
  if (attrs.isErr()) return undefined;
  const index = indexAttributes(attrs.value);
  const orig = decodeTuple(index.get(CTNL.CTA_TUPLE_ORIG));
  const reply = decodeTuple(index.get(CTNL.CTA_TUPLE_REPLY));
  if (!orig || !reply) return undefined;
  const zone = index.get(CTNL.CTA_ZONE);
  const tcp = nested(nested(index.get(CTNL.CTA_PROTOINFO))?.get(CTNL.CTA_PROTOINFO_TCP));
  const state = tcp?.get(CTNL.CTA_PROTOINFO_TCP_STATE);
  const tcpState = state ? readU8(state) : undefined;
  return {
    orig,
    reply,
    zone: zone ? (readBe16(zone) ?? 0) : 0,
    ...(tcpState === undefined ? {} : { tcpState }),
  };
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/** True when `entry` is one of the flows `query` names. */
export const matchesFlow = (entry: CtEntry, query: CtFlowQuery): boolean =>
  entry.orig.protocol === query.protocol &&
  entry.orig.dstPort === query.dstPort &&
  sameBytes(entry.orig.dst, query.dst) &&
  entry.reply.srcPort === query.replySrcPort &&
  sameBytes(entry.reply.src, query.replySrc);

/**
 * True when an entry still stands for a flow that carries traffic: every UDP
 * (or other non-TCP) entry present, a TCP entry in any state but TIME_WAIT
 * and CLOSE (both ends are done; the entry only lingers for its timeout). A
 * TCP entry without its state (not dumped) counts.
 */
export const carriesTraffic = (entry: CtEntry): boolean =>
  entry.orig.protocol !== CTNL.IPPROTO_TCP ||
  (entry.tcpState !== CTNL.TCP_CONNTRACK_TIME_WAIT && entry.tcpState !== CTNL.TCP_CONNTRACK_CLOSE);

/** The entries towards one service, filtered by the kernel where it can (else by us after). */
function dumpService(
  connection: NetlinkConnection,
  query: CtFlowQuery,
): Result<CtEntry[], NetlinkError> {
  const type = msgType(CTNL.MSG_CT_GET);
  let replies = connection.request(type, encodeCtDump(query), 'dump', 'conntrack dump');
  if (
    replies.isErr() &&
    (replies.error.errno === ERRNO.EINVAL || replies.error.errno === ERRNO.EOPNOTSUPP)
  ) {
    // A kernel before 5.8 has no CTA_FILTER: dump the family and match here.
    replies = connection.request(type, encodeCtDump(query, false), 'dump', 'conntrack dump');
  }
  if (replies.isErr()) return err(replies.error);
  const entries: CtEntry[] = [];
  for (const m of replies.value) {
    const entry = decodeCtEntry(m.payload);
    if (entry) entries.push(entry);
  }
  return ok(entries);
}

/** Groups queries by service (protocol, address, port): one dump serves each group. */
function byService<Q extends CtFlowQuery>(queries: readonly Q[]): Map<string, Q[]> {
  const groups = new Map<string, Q[]>();
  for (const q of queries) {
    const key = `${q.protocol}/${q.dst.join('.')}/${q.dstPort}`;
    const list = groups.get(key) ?? [];
    list.push(q);
    groups.set(key, list);
  }
  return groups;
}

/**
 * Counts, per query, the conntrack entries of the flows it names that still
 * carry traffic (`carriesTraffic`): one dump per distinct service (kernel
 * filter on the original destination, Linux 5.8+; older kernels dump the
 * family and are matched here), reply source matched here, so one dump serves
 * every destination of a service. Returns the counts in `queries` order.
 * Needs CAP_NET_ADMIN in the connection's namespace and `nf_conntrack_netlink`.
 */
export function countFlows(
  connection: NetlinkConnection,
  queries: readonly CtFlowQuery[],
): Result<number[], NetlinkError> {
  const counts = queries.map(() => 0);
  const indexed = queries.map((q, i) => ({ ...q, i }));
  for (const group of byService(indexed).values()) {
    const entries = dumpService(connection, group[0]!);
    if (entries.isErr()) return err(entries.error);
    for (const entry of entries.value) {
      if (!carriesTraffic(entry)) continue;
      for (const q of group) if (matchesFlow(entry, q)) counts[q.i]!++;
    }
  }
  return ok(counts);
}

/**
 * Deletes the conntrack entries of the flows `queries` name: one filtered
 * dump per distinct service (protocol, address, port), then one
 * `IPCTNL_MSG_CT_DELETE` per matching entry. An entry that vanished in
 * between (ENOENT) is not an error. Returns the number deleted. Needs
 * CAP_NET_ADMIN in the connection's namespace and `nf_conntrack_netlink`.
 */
export function deleteFlows(
  connection: NetlinkConnection,
  queries: readonly CtFlowQuery[],
): Result<number, NetlinkError> {
  let deleted = 0;
  for (const group of byService(queries).values()) {
    const entries = dumpService(connection, group[0]!);
    if (entries.isErr()) return err(entries.error);
    for (const entry of entries.value) {
      if (!group.some((q) => matchesFlow(entry, q))) continue;
      const done = connection.request(
        msgType(CTNL.MSG_CT_DELETE),
        encodeCtDelete(entry),
        'ack',
        'conntrack delete',
      );
      if (done.isOk()) deleted++;
      else if (done.error.errno !== ERRNO.ENOENT) return err(done.error);
    }
  }
  return ok(deleted);
}
