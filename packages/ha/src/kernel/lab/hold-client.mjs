// Long-lived TCP connections for the flow-sync tests, run in the client namespace.
// Usage: node hold-client.mjs '<json spec>'
// Spec: { host, port, connections, every, sources?: [addresses] }
// Opens `connections` connections to host:port (round robin over `sources`
// as local addresses, when given), reads the server's name line, then sends
// a line every `every` ms on each and expects it echoed. Prints
// `{ "type": "open", "open": N }` once all are open (or failed), and on stdin
// close (or EOF) one summary line:
// { type: "summary", connections, opened, broken, stalled, errors: { code: n },
//   servers: { name: n }, gaps: [{ from, to }] (per connection, its longest
//   silence between two echoes), sent, echoed }.
// A connection is broken when it errors (a reset: ECONNRESET, EPIPE), is
// closed by the peer, or fails to open.
import { connect } from 'node:net';

const spec = JSON.parse(process.argv[2]);
const conns = [];
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

function open(i) {
  return new Promise((resolve) => {
    const c = {
      server: undefined,
      error: undefined,
      sent: 0,
      echoed: 0,
      last: 0,
      gap: { from: 0, to: 0 },
      closed: false,
    };
    conns.push(c);
    const localAddress = spec.sources?.[i % spec.sources.length];
    const socket = connect({
      host: spec.host,
      port: spec.port,
      ...(localAddress && { localAddress }),
    });
    c.socket = socket;
    let buffer = '';
    const timer = setTimeout(() => {
      if (c.server === undefined) {
        c.error ??= 'TIMEOUT';
        socket.destroy();
        resolve();
      }
    }, 3000);
    socket.setNoDelay(true);
    socket.on('error', (e) => {
      c.error ??= e.code ?? 'ERROR';
    });
    socket.on('close', () => {
      c.closed = true;
      if (!c.stopping) c.error ??= 'CLOSED';
      clearTimeout(timer);
      resolve();
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let n = buffer.indexOf('\n');
      while (n >= 0) {
        const line = buffer.slice(0, n);
        buffer = buffer.slice(n + 1);
        const now = Date.now();
        if (c.server === undefined) {
          c.server = line;
          c.last = now;
          clearTimeout(timer);
          resolve();
        } else {
          c.echoed++;
          if (now - c.last > c.gap.to - c.gap.from) c.gap = { from: c.last, to: now };
          c.last = now;
        }
        n = buffer.indexOf('\n');
      }
    });
  });
}

for (let i = 0; i < spec.connections; i++) await open(i);
print({ type: 'open', open: conns.filter((c) => c.server !== undefined && !c.error).length });
let seq = 0;
const tick = setInterval(() => {
  seq++;
  for (const c of conns) {
    if (c.server === undefined || c.closed) continue;
    c.sent++;
    c.socket.write(`ping ${seq}\n`);
  }
}, spec.every);

function finish() {
  clearInterval(tick);
  const errors = {};
  const servers = {};
  for (const c of conns) {
    if (c.error) errors[c.error] = (errors[c.error] ?? 0) + 1;
    if (c.server) servers[c.server] = (servers[c.server] ?? 0) + 1;
  }
  print({
    type: 'summary',
    connections: conns.length,
    opened: conns.filter((c) => c.server !== undefined).length,
    broken: conns.filter((c) => c.error !== undefined).length,
    // Open, never reset, but silent for the last 2 s: its packets go nowhere.
    stalled: conns.filter((c) => c.error === undefined && c.server && Date.now() - c.last > 2000)
      .length,
    errors,
    servers,
    gaps: conns.map((c) => c.gap),
    sent: conns.reduce((n, c) => n + c.sent, 0),
    echoed: conns.reduce((n, c) => n + c.echoed, 0),
  });
  for (const c of conns) {
    c.stopping = true;
    c.socket.destroy();
  }
  process.exit(0);
}
process.stdin.on('end', finish);
process.stdin.resume();
