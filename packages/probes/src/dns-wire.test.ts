import * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { judgeResponse, prepareQuery, queryWithFreshId } from './dns-wire.js';
import { matcherFromText } from './pattern.js';

const query = prepareQuery('health.load.balance', 'TXT');

function response(overrides: Partial<dnsPacket.Packet> & { rcode?: number } = {}): Buffer {
  const { rcode = 0, ...rest } = overrides;
  return dnsPacket.encode({
    type: 'response',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED | rcode,
    questions: [{ type: 'TXT', name: 'health.load.balance', class: 'IN' }],
    answers: [{ type: 'TXT', name: 'health.load.balance', data: ['=nameserver-1='] }],
    ...rest,
  });
}

const matcher = (text: string) => matcherFromText(text)._unsafeUnwrap();

describe('DNS query', () => {
  it('encodes the question once and gives each check a fresh ID', () => {
    const ids = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const { bytes, id } = queryWithFreshId(query);
      const decoded = dnsPacket.decode(bytes);
      expect(decoded.id).toBe(id);
      expect(decoded.questions?.[0]).toMatchObject({ name: 'health.load.balance', type: 'TXT' });
      expect(decoded.flag_rd).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBeGreaterThan(40);
    expect(query.template.readUInt16BE(0)).toBe(0);
  });
});

describe('judgeResponse', () => {
  it('passes NOERROR with the TXT text as identity', () => {
    expect(judgeResponse(response(), query, 4242, undefined)).toEqual({
      ok: true,
      identity: '=nameserver-1=',
    });
  });

  it('joins the strings of one TXT record', () => {
    const bytes = response({
      answers: [{ type: 'TXT', name: 'health.load.balance', data: ['=name', 'server-2='] }],
    });
    expect(judgeResponse(bytes, query, 4242, matcher('=nameserver-2='))).toEqual({
      ok: true,
      identity: '=nameserver-2=',
    });
  });

  it('refuses a wrong ID, a query, another question, truncation', () => {
    expect(judgeResponse(response(), query, 1, undefined)).toMatchObject({
      ok: false,
      kind: 'protocol',
    });
    const asQuery = dnsPacket.encode({
      type: 'query',
      id: 4242,
      questions: [{ type: 'TXT', name: 'health.load.balance' }],
    });
    expect(judgeResponse(asQuery, query, 4242, undefined)).toMatchObject({
      ok: false,
      message: 'QR bit not set',
    });
    const other = response({ questions: [{ type: 'TXT', name: 'other.balance', class: 'IN' }] });
    expect(judgeResponse(other, query, 4242, undefined)).toMatchObject({
      ok: false,
      kind: 'protocol',
    });
    const otherType = response({
      questions: [{ type: 'A', name: 'health.load.balance', class: 'IN' }],
    });
    expect(judgeResponse(otherType, query, 4242, undefined)).toMatchObject({
      ok: false,
      kind: 'protocol',
    });
    const truncated = response({ flags: dnsPacket.TRUNCATED_RESPONSE });
    expect(judgeResponse(truncated, query, 4242, undefined)).toMatchObject({
      ok: false,
      kind: 'protocol',
    });
    expect(judgeResponse(Buffer.from([1, 2, 3]), query, 4242, undefined)).toMatchObject({
      ok: false,
      kind: 'protocol',
    });
  });

  it('fails a non-NOERROR rcode as mismatch, naming it', () => {
    expect(judgeResponse(response({ rcode: 3, answers: [] }), query, 4242, undefined)).toEqual({
      ok: false,
      kind: 'mismatch',
      message: 'rcode NXDOMAIN',
    });
    expect(judgeResponse(response({ rcode: 5 }), query, 4242, undefined)).toMatchObject({
      message: 'rcode REFUSED',
    });
  });

  it('passes NODATA without expect (keepalived) but fails it with expect', () => {
    const nodata = response({ answers: [] });
    expect(judgeResponse(nodata, query, 4242, undefined)).toEqual({ ok: true });
    expect(judgeResponse(nodata, query, 4242, matcher('x'))).toMatchObject({
      ok: false,
      kind: 'mismatch',
    });
  });

  it('matches expect against any answer and reports the matching one', () => {
    const two = response({
      answers: [
        { type: 'TXT', name: 'health.load.balance', data: 'a' },
        { type: 'TXT', name: 'health.load.balance', data: '=nameserver-3=' },
      ],
    });
    expect(judgeResponse(two, query, 4242, matcher('/^=nameserver-\\d=$/'))).toEqual({
      ok: true,
      identity: '=nameserver-3=',
    });
    expect(judgeResponse(two, query, 4242, matcher('=nameserver-4='))).toMatchObject({
      kind: 'mismatch',
    });
  });

  it('ignores answers for other names and types, and compares names case-insensitively', () => {
    const mixed = response({
      questions: [{ type: 'TXT', name: 'HEALTH.Load.Balance', class: 'IN' }],
      answers: [
        { type: 'TXT', name: 'other.name', data: 'no' },
        { type: 'A', name: 'health.load.balance', data: '192.0.2.1' },
        { type: 'TXT', name: 'Health.Load.Balance', data: 'yes' },
      ],
    });
    expect(judgeResponse(mixed, query, 4242, undefined)).toEqual({ ok: true, identity: 'yes' });
  });

  it('reports A and SOA values', () => {
    const a = prepareQuery('host.test', 'A');
    const bytes = dnsPacket.encode({
      type: 'response',
      id: 7,
      questions: [{ type: 'A', name: 'host.test', class: 'IN' }],
      answers: [{ type: 'A', name: 'host.test', data: '192.0.2.9' }],
    });
    expect(judgeResponse(bytes, a, 7, undefined)).toEqual({ ok: true, identity: '192.0.2.9' });
    const soa = prepareQuery('zone.test', 'SOA');
    const soaBytes = dnsPacket.encode({
      type: 'response',
      id: 8,
      questions: [{ type: 'SOA', name: 'zone.test', class: 'IN' }],
      answers: [
        {
          type: 'SOA',
          name: 'zone.test',
          data: { mname: 'ns1.zone.test', rname: 'admin.zone.test', serial: 1 },
        },
      ],
    });
    expect(judgeResponse(soaBytes, soa, 8, undefined)).toEqual({
      ok: true,
      identity: 'ns1.zone.test',
    });
  });
});
