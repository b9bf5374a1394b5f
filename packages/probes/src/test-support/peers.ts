/**
 * Real peers for the probe tests and benchmark: dnsmasq, nginx, small Node
 * servers. Everything listens on 127.0.0.1 with free ports and is stopped by
 * PID. Test-only: not exported from the package entry point.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import {
  accessSync,
  chmodSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';

export const DNSMASQ = '/usr/sbin/dnsmasq';
export const NGINX = '/usr/sbin/nginx';
export const OPENSSL = '/usr/bin/openssl';
export const LOOPBACK = '127.0.0.1';

/** True when `path` is an executable file. */
export function hasBinary(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether tests needing `path` should be skipped: false when present; when
 * missing, a clear message is printed, and under `CI=true` this throws instead.
 */
export function skipWithout(path: string, what: string): boolean {
  if (hasBinary(path)) return false;
  const message = `${what}: ${path} is missing (apt-get install the Debian package); tests skipped`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true: ${message}`);
  console.warn(message);
  return true;
}

/** A process we started, stopped by its PID. */
export interface Peer {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Where test servers listen: below the kernel's default ephemeral range
 * (32768-60999), where real services sit (80, 443, 53), so the probes pay
 * what they pay in production (the self-connect guard is free there).
 */
const SERVICE_PORTS = { low: 20_000, high: 32_767 } as const;

/** A port free on 127.0.0.1 for both TCP and UDP at the time of the call (outside the ephemeral range). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer();
    const wanted =
      SERVICE_PORTS.low + Math.floor(Math.random() * (SERVICE_PORTS.high - SERVICE_PORTS.low + 1));
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(wanted, LOOPBACK, () => resolve(true));
    });
    if (!listening) continue;
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const udp = createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, LOOPBACK, () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (free) return port;
  }
  throw new Error('no free port found in 50 attempts');
}

/** Resolves when a TCP connect to the port succeeds; rejects after `ms`. */
export async function waitForTcp(port: number, child: ChildProcess, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`process ${child.pid} exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        s.destroy();
        resolve(false);
      });
      s.connect(port, LOOPBACK);
    });
    if (up) return;
    await sleep(25);
  }
  throw new Error(`port ${port} not accepting after ${ms} ms`);
}

function track(child: ChildProcess, port: number, cleanup: () => void): Peer {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.stdout?.resume();
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    port,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), 5000);
        });
        const outcome = await Promise.race([exited, late]);
        clearTimeout(timer);
        if (outcome === 'late') {
          process.kill(child.pid, 'SIGKILL');
          await exited;
        }
      }
      cleanup();
      void stderr;
    },
  };
}

/** Options for {@link startDnsmasq}. */
export interface DnsmasqOptions {
  /** `name -> value` TXT records. */
  readonly txt?: Readonly<Record<string, string>>;
  /** Domains answered NXDOMAIN (dnsmasq `--local=/domain/`). */
  readonly nxdomain?: readonly string[];
  /** `name -> IPv4` A records. */
  readonly a?: Readonly<Record<string, string>>;
}

/**
 * Starts dnsmasq in the foreground on 127.0.0.1:<free port> (UDP and TCP) with no
 * config file, no upstream, no hosts file and no PID file. Names it has no data for
 * get REFUSED (no upstream servers), `nxdomain` domains get NXDOMAIN.
 */
export async function startDnsmasq(options: DnsmasqOptions): Promise<Peer> {
  const port = await freePort();
  const args = [
    '--no-daemon',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--pid-file=',
    '--log-facility=-',
    `--port=${port}`,
    `--listen-address=${LOOPBACK}`,
    '--bind-interfaces',
    '--cache-size=0',
    ...Object.entries(options.txt ?? {}).map(([name, value]) => `--txt-record=${name},${value}`),
    ...Object.entries(options.a ?? {}).map(([name, ip]) => `--host-record=${name},${ip}`),
    ...(options.nxdomain ?? []).map((d) => `--local=/${d}/`),
  ];
  const child = spawn(DNSMASQ, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const peer = track(child, port, () => {});
  try {
    await waitForTcp(port, child);
  } catch (error) {
    await peer.stop();
    throw error;
  }
  return peer;
}

/** Writes a self-signed certificate for `name` with openssl; returns PEM texts. */
export function selfSignedCert(
  dir: string,
  name: string,
): { key: string; cert: string; keyPath: string; certPath: string } {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    OPENSSL,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=DNS:${name}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(keyPath, 'utf8'),
    cert: readFileSync(certPath, 'utf8'),
    keyPath,
    certPath,
  };
}

/** An nginx peer with its TLS port and certificate, if TLS was asked for. */
export interface NginxPeer extends Peer {
  readonly tlsPort?: number;
  readonly certPem?: string;
}

/**
 * Starts nginx (one worker) in the foreground with a private prefix under the temp
 * directory. Every response carries `X-Trace: <name>`. Locations: `/` 200 text,
 * `/fail` 500, `/moved` 301 to `/`, `/big` a 1 MiB static file. `X-Conn` carries nginx's
 * connection serial number (`$connection`), to see connection reuse. With `tlsName`, a
 * second port serves the same over TLS with a self-signed certificate for that name.
 */
export async function startNginx(name: string, tlsName?: string): Promise<NginxPeer> {
  const prefix = mkdtempSync(join(tmpdir(), 'lbkp-nginx-'));
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'html'));
  writeFileSync(join(prefix, 'html', 'big'), Buffer.alloc(1 << 20, 0x61));
  const port = await freePort();
  let tls = '';
  let tlsPort: number | undefined;
  let certPem: string | undefined;
  if (tlsName !== undefined) {
    tlsPort = await freePort();
    const cert = selfSignedCert(prefix, tlsName);
    certPem = cert.cert;
    tls = `listen ${LOOPBACK}:${tlsPort} ssl; ssl_certificate ${cert.certPath}; ssl_certificate_key ${cert.keyPath};`;
  }
  const conf = `
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi; uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
  server {
    listen ${LOOPBACK}:${port} backlog=4096;
    ${tls}
    root ${prefix}/html;
    add_header X-Trace ${name} always;
    add_header X-Conn $connection always;
    location = / { default_type text/plain; return 200 "ok\\n"; }
    location = /fail { return 500; }
    location = /moved { return 301 /; }
    location = /big { default_type application/octet-stream; }
  }
}
`;
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const child = spawn(
    NGINX,
    ['-p', prefix, '-e', 'stderr', '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const peer = track(child, port, () => rmSync(prefix, { recursive: true, force: true }));
  try {
    await waitForTcp(port, child);
    if (tlsPort !== undefined) await waitForTcp(tlsPort, child);
  } catch (error) {
    await peer.stop();
    throw error;
  }
  return {
    ...peer,
    ...(tlsPort !== undefined && { tlsPort }),
    ...(certPem !== undefined && { certPem }),
  };
}

/** A loopback TCP listener that accepts and holds connections; `write` is sent on accept. */
export async function startTcpListener(
  write?: string,
  onConnection?: (socket: Socket) => void,
): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    if (write !== undefined) s.write(write);
    onConnection?.(s);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * An HTTP server that trickles: `mode: 'body'` sends complete headers at once then
 * one body byte every `everyMs`; `mode: 'headers'` trickles the status line and headers.
 */
export async function startTrickleServer(
  mode: 'body' | 'headers',
  everyMs = 50,
): Promise<{ port: number; close(): Promise<void> }> {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 64\r\nX-Trace: slow\r\n\r\n';
  const timers = new Set<NodeJS.Timeout>();
  const listener = await startTcpListener(undefined, (s: Socket) => {
    let sent = 0;
    const payload = mode === 'body' ? 'a'.repeat(64) : head;
    if (mode === 'body') s.write(head);
    const timer = setInterval(() => {
      if (sent >= payload.length || s.destroyed) {
        clearInterval(timer);
        timers.delete(timer);
        if (mode === 'headers' && !s.destroyed) s.end('a'.repeat(64));
        return;
      }
      s.write(payload[sent++]!);
    }, everyMs);
    timers.add(timer);
    s.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  return {
    port: listener.port,
    async close() {
      for (const t of timers) clearInterval(t);
      await listener.close();
    },
  };
}

/** A UDP socket bound on loopback that never answers. */
export async function startUdpBlackhole(): Promise<{
  port: number;
  socket: UdpSocket;
  close(): Promise<void>;
}> {
  const socket = createSocket('udp4');
  socket.on('message', () => {});
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, () => resolve()));
  return {
    port: socket.address().port,
    socket,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * A hostile name server on loopback (UDP and TCP, one port): answers every TXT
 * query with one record made of `strings` (each at most 255 bytes, as DNS
 * allows; any bytes, control characters included).
 */
export async function startTxtServer(strings: readonly string[]): Promise<{
  port: number;
  close(): Promise<void>;
}> {
  const answer = (query: Buffer): Buffer | undefined => {
    try {
      const packet = dnsPacket.decode(query);
      const question = packet.questions?.[0];
      if (!question) return undefined;
      return dnsPacket.encode({
        type: 'response',
        id: packet.id ?? 0,
        flags: dnsPacket.AUTHORITATIVE_ANSWER,
        questions: [question],
        answers: [
          {
            type: 'TXT',
            name: question.name,
            ttl: 0,
            class: 'IN',
            data: strings.map((t) => Buffer.from(t)),
          },
        ],
      });
    } catch {
      return undefined;
    }
  };
  const tcp = await startTcpListener(undefined, (socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 2 || buffer.length < 2 + buffer.readUInt16BE(0)) return;
      const reply = answer(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
      if (!reply) return void socket.destroy();
      const frame = Buffer.alloc(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      socket.end(frame);
    });
  });
  const udp = createSocket('udp4');
  udp.on('message', (message, peer) => {
    const reply = answer(message);
    if (reply) udp.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => udp.bind(tcp.port, LOOPBACK, () => resolve()));
  return {
    port: tcp.port,
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await tcp.close();
    },
  };
}

/** A loopback port with nothing listening on TCP or UDP (at the time of the call). */
export const refusedPort = freePort;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
