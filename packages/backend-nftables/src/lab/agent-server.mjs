// A HAProxy-style agent for kernel tests: on every TCP connection, answers the
// current content of FILE (one line) and closes.
// Usage: node agent-server.mjs PORT FILE. Prints "ready" once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const [port, file] = process.argv.slice(2);
const server = createServer((socket) => {
  socket.on('error', () => undefined);
  let reply = 'down #no reply file\n';
  try {
    reply = readFileSync(file, 'utf8');
  } catch {}
  socket.end(reply);
});
server.listen({ port: Number(port), host: '::' }, () => process.stdout.write('ready\n'));
