/**
 * A tiny server that names itself on three protocols, one process per lab
 * server (the article's debugging trick):
 * - TCP (`--tcp-port`, default 7000): answers one line `NAME CLIENT-ADDRESS\n` and closes;
 * - DNS over UDP and TCP (`--dns-port`, default 53): TXT `health.load.balance` = NAME,
 *   TXT `client.load.balance` = the client address it sees; other names: NXDOMAIN;
 * - HTTP (`--http-port`, default 80): `X-Trace: NAME` and `X-Client: ADDRESS` headers,
 *   body `NAME ADDRESS\n`.
 * Prints `ready NAME` on stdout once every socket listens. Port 0 disables a protocol.
 * With `--armed` it loads, prints `armed NAME` and listens only when a line
 * `listen` arrives on stdin: a restart that is not slowed by process start-up
 * (seconds under the IPVS demo's emulated CPU).
 *
 * Usage: name-server --name s1 [--tcp-port 7000] [--dns-port 53] [--http-port 80] [--host 0.0.0.0]
 *        [--armed]
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { parseArgs } from 'node:util';
import { dnsAnswer } from './dns-answer.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    host: { type: 'string', default: '::' },
    'tcp-port': { type: 'string', default: '7000' },
    'dns-port': { type: 'string', default: '53' },
    'http-port': { type: 'string', default: '80' },
    'echo-port': { type: 'string', default: '0' },
    armed: { type: 'boolean', default: false },
  },
});

const name = values.name ?? '';
if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(name)) {
  process.stderr.write('name-server: --name NAME is required (letters, digits, _ and -)\n');
  process.exit(2);
}
const host = values.host;
if (values.armed) {
  process.stdout.write(`armed ${name}\n`);
  await new Promise<void>((resolve) => {
    let seen = '';
    const quit = () => process.exit(0); // whoever armed it is gone
    process.stdin.setEncoding('utf8');
    process.stdin.once('end', quit);
    process.stdin.on('data', (chunk: string) => {
      seen += chunk;
      if (!/^listen$/m.test(seen)) return;
      process.stdin.off('end', quit);
      process.stdin.pause();
      resolve();
    });
  });
}
const peer = (address: string | undefined): string => (address ?? '?').replace(/^::ffff:/, '');
const closers: (() => void)[] = [];
const waits: Promise<void>[] = [];

function listen(server: Server, port: number): void {
  waits.push(new Promise((resolve) => server.listen({ port, host, ipv6Only: false }, resolve)));
  closers.push(() => server.close());
}

const tcpPort = Number(values['tcp-port']);
if (tcpPort > 0) {
  const server = createTcpServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(`${name} ${peer(socket.remoteAddress)}\n`);
  });
  listen(server, tcpPort);
}

// Long-lived connections (the pair demo counts them across a failover): the
// name and a line end, then every byte received is sent back.
const echoPort = Number(values['echo-port']);
if (echoPort > 0) {
  const server = createTcpServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  listen(server, echoPort);
}

const dnsPort = Number(values['dns-port']);
if (dnsPort > 0) {
  const udp: Socket = createSocket({ type: 'udp6', ipv6Only: false });
  udp.on('message', (message, rinfo) => {
    const reply = dnsAnswer(message, name, peer(rinfo.address));
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  waits.push(new Promise((resolve) => udp.bind({ port: dnsPort, address: host }, resolve)));
  closers.push(() => udp.close());
  const tcp = createTcpServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2) {
        const length = buffer.readUInt16BE(0);
        if (buffer.length < 2 + length) return;
        const reply = dnsAnswer(buffer.subarray(2, 2 + length), name, peer(socket.remoteAddress));
        buffer = buffer.subarray(2 + length);
        if (!reply) return void socket.destroy();
        const frame = Buffer.alloc(2 + reply.length);
        frame.writeUInt16BE(reply.length, 0);
        reply.copy(frame, 2);
        socket.write(frame);
      }
    });
  });
  listen(tcp, dnsPort);
}

const httpPort = Number(values['http-port']);
if (httpPort > 0) {
  const http = createHttpServer((request, response) => {
    const client = peer(request.socket.remoteAddress);
    response.writeHead(200, {
      'content-type': 'text/plain',
      'x-trace': name,
      'x-client': client,
      connection: 'close',
    });
    response.end(`${name} ${client}\n`);
  });
  listen(http, httpPort);
}

await Promise.all(waits);
process.stdout.write(`ready ${name}\n`);

const shutdown = (): void => {
  for (const close of closers) close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
