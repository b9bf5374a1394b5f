// A lab server for the HA tests: on every TCP port given, answers a
// connection with its name and a newline, then closes; on a port given as
// `+PORT` it sends its name and then echoes every byte it receives (the
// long-lived connections of the flow-sync tests).
// Usage: node line-server.mjs NAME PORT|+PORT [...]; prints "ready" once listening.
import { createServer } from 'node:net';

const [name, ...ports] = process.argv.slice(2);
let pending = ports.length;
for (const spec of ports) {
  const echo = spec.startsWith('+');
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    if (!echo) {
      socket.end(`${name}\n`);
      return;
    }
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  server.listen({ port: Number(spec.replace('+', '')), host: '0.0.0.0', backlog: 4096 }, () => {
    pending -= 1;
    if (pending === 0) process.stdout.write('ready\n');
  });
}
