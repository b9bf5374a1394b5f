// A tiny server for kernel tests: answers with its own name on TCP and UDP.
// Usage: node name-server.mjs NAME PORT [PORT...]
// TCP: sends "NAME\n" on connect, then answers every line L with "NAME:L\n".
// UDP: answers every datagram with "NAME".
// Listens on :: (dual stack). Prints "ready" once every socket listens.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const [name, ...ports] = process.argv.slice(2);
let pending = ports.length * 2;
const ready = () => {
  pending -= 1;
  if (pending === 0) process.stdout.write('ready\n');
};
for (const port of ports.map(Number)) {
  const tcp = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(`${name}\n`);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        socket.write(`${name}:${buffer.slice(0, i)}\n`);
        buffer = buffer.slice(i + 1);
      }
    });
  });
  tcp.listen({ port, host: '::', backlog: 4096 }, ready);
  const udp = createSocket({ type: 'udp6', ipv6Only: false });
  udp.on('message', (_msg, rinfo) => udp.send(name, rinfo.port, rinfo.address));
  udp.bind(port, '::', ready);
}
