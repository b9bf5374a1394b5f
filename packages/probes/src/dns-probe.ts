import { createSocket } from 'node:dgram';
import { Socket } from 'node:net';
import type { ProbeTarget } from '@lbkit/core';
import { CheckScope } from './check-scope.js';
import { type ClosableProbe, hostPort, invalidProbe } from './closable-probe.js';
import {
  DNS_QUERY_TYPES,
  type DnsQueryType,
  judgeResponse,
  type PreparedQuery,
  prepareQuery,
  queryWithFreshId,
} from './dns-wire.js';
import { classifyError } from './errors.js';
import { compileMatcher, type Expectation, type TextMatcher } from './pattern.js';
import { isSelfConnectedTcp, isSelfConnectedUdp, SELF_CONNECT_MESSAGE } from './self-connect.js';

/** Options of {@link dnsProbe}. */
export interface DnsProbeOptions {
  /** Query name, e.g. `health.load.balance`. Required. */
  readonly name: string;
  /** Record type. Default `TXT`. */
  readonly type?: DnsQueryType;
  /** Transport. Default `udp`. */
  readonly transport?: 'udp' | 'tcp';
  /**
   * Expected value: an exact string or a RegExp, matched against each answer of
   * the asked type (TXT: the record's strings joined). Default: none, any NOERROR
   * response passes (keepalived's `DNS_CHECK` behaviour). With `expect` set, a
   * NOERROR response without such an answer (NODATA) or with other values fails
   * as `mismatch` — keepalived would pass it.
   */
  readonly expect?: Expectation;
  /** Set the RD (recursion desired) flag. Default `true`, as `dig` does. */
  readonly recursionDesired?: boolean;
}

/** Largest DNS-over-TCP response the probe reads (the 16-bit length prefix allows 65,535). */
const MAX_TCP_MESSAGE = 0xffff;

/**
 * DNS probe (keepalived's `DNS_CHECK`, done more strictly): sends one query over
 * UDP (a connected socket, so an ICMP port-unreachable is a fast `refused`; so
 * is a socket the kernel connected to itself because nothing listens) or
 * TCP (length-prefixed, new connection per check). The response must carry the
 * query's ID and question, have QR set, not be truncated, and rcode NOERROR
 * (else `mismatch` with the rcode). The answer's value (TXT text, address, SOA
 * primary) is reported as identity: `=nameserver-1=` tells which server answered.
 */
export function dnsProbe(options: DnsProbeOptions): ClosableProbe {
  const type = options.type ?? 'TXT';
  const transport = options.transport ?? 'udp';
  const description = `dns ${type} ${options.name}/${transport}`;
  if (typeof options.name !== 'string' || options.name.length === 0 || options.name.length > 253) {
    return invalidProbe(description, 'name must be a DNS name of 1..253 characters');
  }
  if (!DNS_QUERY_TYPES.includes(type)) return invalidProbe(description, `unsupported type ${type}`);
  if (transport !== 'udp' && transport !== 'tcp') {
    return invalidProbe(description, `transport must be udp or tcp`);
  }
  let query: PreparedQuery;
  try {
    query = prepareQuery(options.name, type, options.recursionDesired ?? true);
  } catch (error) {
    return invalidProbe(description, `cannot encode ${options.name}: ${(error as Error).message}`);
  }
  let matcher: TextMatcher | undefined;
  if (options.expect !== undefined) {
    const compiled = compileMatcher(options.expect);
    if (compiled.isErr()) return invalidProbe(description, compiled.error.message);
    matcher = compiled.value;
  }
  const send = transport === 'udp' ? checkUdp : checkTcp;
  return {
    description,
    check: (target, checkOptions) =>
      CheckScope.run(checkOptions, (scope) => send(scope, target, query, matcher)),
    close: async () => {},
  };
}

function checkUdp(
  scope: CheckScope,
  target: ProbeTarget,
  query: PreparedQuery,
  matcher: TextMatcher | undefined,
): void {
  const where = hostPort(target.address, target.port);
  // An IPv6 literal always holds a colon, an IPv4 one or a host name never (no isIPv6 regex).
  const socket = createSocket(target.address.includes(':') ? 'udp6' : 'udp4');
  scope.defer(() => socket.close());
  const { bytes, id } = queryWithFreshId(query);
  socket.on('error', (error) => {
    const { kind, message } = classifyError(error);
    scope.fail(kind, `${where}/udp: ${message}`);
  });
  socket.on('message', (message: Buffer) => {
    // Our own query back: the kernel connected the socket to itself (nothing listens).
    if (message.equals(bytes) && isSelfConnectedUdp(socket)) {
      scope.fail('refused', `${where}/udp: ${SELF_CONNECT_MESSAGE}`);
      return;
    }
    const verdict = judgeResponse(message, query, id, matcher);
    if (verdict.ok) scope.succeed(verdict.identity);
    else scope.fail(verdict.kind, `${where}/udp: ${verdict.message}`);
  });
  // dgram hands a connect failure (no route, bad address) to this callback, not to 'error'.
  socket.connect(target.port, target.address, (error?: Error) => {
    if (scope.settled) return;
    if (error) {
      const { kind, message } = classifyError(error);
      scope.fail(kind, `${where}/udp: ${message}`);
      return;
    }
    socket.send(bytes);
  });
}

function checkTcp(
  scope: CheckScope,
  target: ProbeTarget,
  query: PreparedQuery,
  matcher: TextMatcher | undefined,
): void {
  const where = hostPort(target.address, target.port);
  const socket = new Socket();
  scope.defer(() => socket.destroy());
  const { bytes, id } = queryWithFreshId(query);
  const framed = Buffer.allocUnsafe(bytes.length + 2);
  framed.writeUInt16BE(bytes.length, 0);
  bytes.copy(framed, 2);
  let received: Buffer = Buffer.alloc(0);
  socket.on('error', (error) => {
    const { kind, message } = classifyError(error);
    scope.fail(kind, `${where}/tcp: ${message}`);
  });
  socket.on('data', (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    if (received.length < 2) return;
    const length = received.readUInt16BE(0);
    if (length > MAX_TCP_MESSAGE || received.length < length + 2) return;
    const verdict = judgeResponse(received.subarray(2, length + 2), query, id, matcher);
    if (verdict.ok) scope.succeed(verdict.identity);
    else scope.fail(verdict.kind, `${where}/tcp: ${verdict.message}`);
  });
  socket.once('end', () => {
    scope.fail(
      'protocol',
      `${where}/tcp: peer closed after ${received.length} bytes of the response`,
    );
  });
  socket.once('connect', () => {
    if (!isSelfConnectedTcp(socket, target.port)) {
      socket.write(framed);
      return;
    }
    socket.resetAndDestroy(); // RST: no TIME_WAIT holding the port
    scope.fail('refused', `${where}/tcp: ${SELF_CONNECT_MESSAGE}`);
  });
  // One write of the framed query: Nagle cannot delay it, so no TCP_NODELAY setsockopt.
  socket.connect({ host: target.address, port: target.port });
}
