// A lab server for the HA tests: on every TCP port given, answers a
// connection with its name and a newline, then closes.
// Usage: node line-server.mjs NAME PORT [PORT...]; prints "ready" once listening.
import { createServer } from 'node:net';

const [name, ...ports] = process.argv.slice(2);
let pending = ports.length;
for (const port of ports.map(Number)) {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(`${name}\n`);
  });
  server.listen({ port, host: '0.0.0.0', backlog: 4096 }, () => {
    pending -= 1;
    if (pending === 0) process.stdout.write('ready\n');
  });
}
