// Long-lived TCP connections for kernel tests, driven line by line on stdin.
// Usage: node held-connections.mjs HOST PORT
//   open N    -> opens N connections one after another; each prints
//                {"event":"opened","id":I,"name":"s1"} (the server's first line)
//                or {"event":"failed","id":I,"error":"ECONNREFUSED"}
//   ping      -> writes a line on every open connection; prints
//                {"event":"pinged","answers":{"I":"s1"|null}} (null: no answer in 1 s)
//   close I   -> ends connection I (FIN); prints {"event":"closed","id":I,"at":EPOCH_MS}
// Every connection's socket errors are reported as failures, never thrown.
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const [host, port] = process.argv.slice(2);
const open = new Map();
let nextId = 0;
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function openOne() {
  return new Promise((resolve) => {
    const id = nextId++;
    const socket = connect({ host, port: Number(port) });
    const c = { socket, lines: [], waiters: [] };
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      say({ event: 'failed', id, error: 'TIMEOUT' });
      resolve();
    }, 2000);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (c.name === undefined) {
          clearTimeout(timer);
          c.name = line;
          open.set(id, c);
          say({ event: 'opened', id, name: line });
          resolve();
        } else c.waiters.shift()?.(line.split(':')[0]);
      }
    });
    socket.on('error', (e) => {
      if (c.name === undefined) {
        clearTimeout(timer);
        say({ event: 'failed', id, error: e.code ?? 'ERROR' });
        resolve();
      }
    });
  });
}

function pingOne(c) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 1000);
    c.waiters.push((name) => {
      clearTimeout(timer);
      resolve(name);
    });
    c.socket.write('ping\n');
  });
}

const lines = createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  queue = queue.then(async () => {
    const [verb, arg] = line.trim().split(/\s+/);
    if (verb === 'open') for (let i = 0; i < Number(arg); i++) await openOne();
    else if (verb === 'ping') {
      const answers = {};
      await Promise.all(
        [...open].map(async ([id, c]) => {
          answers[id] = await pingOne(c);
        }),
      );
      say({ event: 'pinged', answers });
    } else if (verb === 'close') {
      const id = Number(arg);
      const c = open.get(id);
      if (!c) return say({ event: 'closed', id, at: Date.now(), missing: true });
      open.delete(id);
      await new Promise((resolve) => {
        c.socket.once('close', resolve);
        c.socket.end();
      });
      say({ event: 'closed', id, at: Date.now() });
    }
  });
});
lines.on('close', () => {
  for (const c of open.values()) c.socket.destroy();
});
