/**
 * One traced request to a virtual service: who answered? (The article's check
 * loop: `dig TXT health.load.balance @VIP`, `curl -I VIP | grep X-Trace`.)
 * Every function resolves (never rejects) within `timeoutMs`.
 */
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';

/** Which protocol a trace uses. `dns` = DNS over UDP, `dns-tcp` = DNS over TCP. */
export type TraceProtocol = 'tcp' | 'dns' | 'dns-tcp' | 'http';

/** All trace protocols. */
export const TRACE_PROTOCOLS: readonly TraceProtocol[] = ['tcp', 'dns', 'dns-tcp', 'http'];

/** The outcome of one traced request. */
export interface TraceResult {
  readonly protocol: TraceProtocol;
  /** Epoch ms when the request started. */
  readonly at: number;
  readonly ok: boolean;
  /** Wall time in ms. */
  readonly ms: number;
  /** The server's name (TCP line, TXT text, X-Trace header). */
  readonly server?: string;
  /** Why it failed (`timeout`, `ECONNREFUSED`, ...). */
  readonly error?: string;
}

/** Where and how to trace. */
export interface TraceTarget {
  readonly host: string;
  readonly port: number;
  /** Default 500. */
  readonly timeoutMs?: number;
  /** DNS name to ask for TXT. Default `health.load.balance`. */
  readonly name?: string;
}

/** Runs one traced request. */
export function trace(protocol: TraceProtocol, target: TraceTarget): Promise<TraceResult> {
  const at = Date.now();
  const started = performance.now();
  const timeoutMs = target.timeoutMs ?? 500;
  const finish = (outcome: { server?: string; error?: string }): TraceResult => ({
    protocol,
    at,
    ok: outcome.server !== undefined,
    ms: Math.round((performance.now() - started) * 10) / 10,
    ...outcome,
  });
  return new Promise<TraceResult>((resolve) => {
    let done = false;
    const cleanups: (() => void)[] = [];
    const settle = (outcome: { server?: string; error?: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const cleanup of cleanups) cleanup();
      resolve(finish(outcome));
    };
    const timer = setTimeout(() => settle({ error: 'timeout' }), timeoutMs);
    const fail = (error: Error & { code?: string }): void =>
      settle({ error: error.code ?? error.message });
    switch (protocol) {
      case 'tcp':
        traceTcp(target, settle, fail, cleanups);
        break;
      case 'dns':
        traceDnsUdp(target, settle, fail, cleanups);
        break;
      case 'dns-tcp':
        traceDnsTcp(target, settle, fail, cleanups);
        break;
      case 'http':
        traceHttp(target, settle, fail, cleanups);
        break;
    }
  });
}

type Settle = (outcome: { server?: string; error?: string }) => void;
type Fail = (error: Error & { code?: string }) => void;

function traceTcp(target: TraceTarget, settle: Settle, fail: Fail, cleanups: (() => void)[]): void {
  const socket = connect({ host: target.host, port: target.port });
  cleanups.push(() => socket.destroy());
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
    const end = text.indexOf('\n');
    if (end >= 0) settle(named(text.slice(0, end).split(' ')[0]));
  });
  socket.on('end', () => settle(named(text.trim().split(' ')[0])));
  socket.on('error', fail);
}

function query(target: TraceTarget): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: Math.floor(Math.random() * 65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'TXT', name: target.name ?? 'health.load.balance', class: 'IN' }],
  });
}

function txtOf(wire: Buffer): { server?: string; error?: string } {
  try {
    const packet = dnsPacket.decode(wire);
    const answer = packet.answers?.find((a) => a.type === 'TXT');
    if (answer?.type !== 'TXT') return { error: `rcode ${(packet.flags ?? 0) & 15}` };
    const data = Array.isArray(answer.data) ? answer.data : [answer.data];
    return named(data.map((d) => (typeof d === 'string' ? d : Buffer.from(d).toString())).join(''));
  } catch {
    return { error: 'bad DNS answer' };
  }
}

function traceDnsUdp(
  target: TraceTarget,
  settle: Settle,
  fail: Fail,
  cleanups: (() => void)[],
): void {
  const socket = createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
  cleanups.push(() => socket.close());
  socket.on('error', fail);
  socket.on('message', (message) => settle(txtOf(message)));
  socket.connect(target.port, target.host, () => socket.send(query(target)));
}

function traceDnsTcp(
  target: TraceTarget,
  settle: Settle,
  fail: Fail,
  cleanups: (() => void)[],
): void {
  const socket = connect({ host: target.host, port: target.port });
  cleanups.push(() => socket.destroy());
  let buffer = Buffer.alloc(0);
  socket.on('connect', () => {
    const q = query(target);
    const frame = Buffer.alloc(2 + q.length);
    frame.writeUInt16BE(q.length, 0);
    q.copy(frame, 2);
    socket.write(frame);
  });
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
      settle(txtOf(buffer.subarray(2, 2 + buffer.readUInt16BE(0))));
    }
  });
  socket.on('end', () => settle({ error: 'closed' }));
  socket.on('error', fail);
}

function traceHttp(
  target: TraceTarget,
  settle: Settle,
  fail: Fail,
  cleanups: (() => void)[],
): void {
  const req = request({ host: target.host, port: target.port, path: '/', agent: false }, (res) => {
    res.resume();
    const header = res.headers['x-trace'];
    settle(
      typeof header === 'string' ? named(header) : { error: `no X-Trace (${res.statusCode})` },
    );
  });
  cleanups.push(() => req.destroy());
  req.on('error', fail);
  req.end();
}

/** `=nameserver-1=` (the article's TXT form) and `s1` both name a server. */
function named(text: string | undefined): { server?: string; error?: string } {
  const name = (text ?? '').replace(/^=(.*)=$/, '$1').trim();
  return name === '' ? { error: 'empty answer' } : { server: name };
}
