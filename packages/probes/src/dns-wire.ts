import { randomInt } from 'node:crypto';
import type { ProbeErrorKind } from '@lbkit/core';
import * as dnsPacket from 'dns-packet';
import type { TextMatcher } from './pattern.js';

/** Record types the DNS probe can ask for. */
export type DnsQueryType = 'TXT' | 'A' | 'AAAA' | 'SOA';

/** All supported query types, for validation. */
export const DNS_QUERY_TYPES: readonly DnsQueryType[] = ['TXT', 'A', 'AAAA', 'SOA'];

/** A DNS question prepared once per probe: the query bytes with a zero ID. */
export interface PreparedQuery {
  readonly name: string;
  readonly type: DnsQueryType;
  /** Encoded query (ID 0); copy it and write a fresh ID per check. */
  readonly template: Buffer;
}

/** The verdict on a DNS response. */
export type DnsVerdict =
  | { readonly ok: true; readonly identity?: string }
  | { readonly ok: false; readonly kind: ProbeErrorKind; readonly message: string };

const RD = 1 << 8;

/** RFC 1035 / RFC 2136 response codes, for messages. */
const RCODES: readonly string[] = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** Encodes the query once (class IN, RD set unless `recursionDesired` is false). */
export function prepareQuery(
  name: string,
  type: DnsQueryType,
  recursionDesired = true,
): PreparedQuery {
  const template = dnsPacket.encode({
    type: 'query',
    id: 0,
    flags: recursionDesired ? RD : 0,
    questions: [{ type, name, class: 'IN' }],
  });
  return { name: normalizeName(name), type, template };
}

/** A copy of the template with a fresh random 16-bit ID, and that ID. */
export function queryWithFreshId(query: PreparedQuery): { bytes: Buffer; id: number } {
  const bytes = Buffer.allocUnsafe(query.template.length);
  query.template.copy(bytes);
  const id = randomInt(0, 0x10000);
  bytes.writeUInt16BE(id, 0);
  return { bytes, id };
}

/**
 * Judges a response: it must decode, carry our ID, have QR set, echo our question,
 * not be truncated, and have rcode NOERROR. Then the answers of the asked type and
 * name give the identity (TXT: the strings of a record joined; A/AAAA: the address;
 * SOA: the primary name server). With `matcher` set, one of them must match, and
 * NODATA (no such answer) is a `mismatch`; without it any NOERROR passes.
 */
export function judgeResponse(
  bytes: Buffer,
  query: PreparedQuery,
  id: number,
  matcher: TextMatcher | undefined,
): DnsVerdict {
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(bytes);
  } catch (error) {
    return {
      ok: false,
      kind: 'protocol',
      message: `undecodable response: ${(error as Error).message}`,
    };
  }
  if (packet.id !== id) {
    return {
      ok: false,
      kind: 'protocol',
      message: `response ID ${packet.id} does not match query ID ${id}`,
    };
  }
  if (!packet.flag_qr) return { ok: false, kind: 'protocol', message: 'QR bit not set' };
  const question = packet.questions?.[0];
  if (
    packet.questions?.length !== 1 ||
    !question ||
    normalizeName(question.name) !== query.name ||
    question.type !== query.type ||
    (question.class ?? 'IN') !== 'IN'
  ) {
    return { ok: false, kind: 'protocol', message: 'response question does not match the query' };
  }
  if (packet.flag_tc)
    return { ok: false, kind: 'protocol', message: 'response truncated (TC); use TCP' };
  const rcode = (packet.flags ?? 0) & 0xf;
  if (rcode !== 0) {
    return { ok: false, kind: 'mismatch', message: `rcode ${RCODES[rcode] ?? rcode}` };
  }
  const values = answerTexts(packet, query);
  if (!matcher) return values[0] === undefined ? { ok: true } : { ok: true, identity: values[0] };
  if (values.length === 0) {
    return { ok: false, kind: 'mismatch', message: `NOERROR but no ${query.type} answer (NODATA)` };
  }
  const hit = values.find((v) => matcher(v));
  if (hit === undefined) {
    return {
      ok: false,
      kind: 'mismatch',
      message: `${query.type} ${JSON.stringify(values)} does not match`,
    };
  }
  return { ok: true, identity: hit };
}

function answerTexts(packet: dnsPacket.Packet, query: PreparedQuery): string[] {
  const out: string[] = [];
  for (const answer of packet.answers ?? []) {
    if (answer.type !== query.type || normalizeName(answer.name) !== query.name) continue;
    switch (answer.type) {
      case 'TXT': {
        const data = answer.data as Buffer | string | (Buffer | string)[];
        const parts = Array.isArray(data) ? data : [data];
        out.push(parts.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))).join(''));
        break;
      }
      case 'A':
      case 'AAAA':
        out.push(answer.data);
        break;
      case 'SOA':
        out.push(answer.data.mname);
        break;
    }
  }
  return out;
}

/** Lower case, no trailing dot: DNS names compare case-insensitively. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
