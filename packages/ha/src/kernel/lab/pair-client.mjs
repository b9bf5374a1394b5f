// The HA lab's client, run in the client namespace.
// Usage: node pair-client.mjs '<json spec>'
// Spec: { host, every, timeoutMs?, tcp?: port, dns?: port, once?: { port, sources } }
// Loop (default): every `every` ms starts a NEW TCP connection to host:tcp (reads
//   the server's name line) and a DNS TXT query for health.load.balance over UDP
//   to host:dns, each from a fresh socket; prints one JSON line per attempt:
//   { p: "tcp"|"dns", at: <start epoch ms>, ms, ok, server?, error? }. Stops when
//   stdin closes, after the attempts in flight end.
// Once: from each of `sources`, one TCP connection to host:port; prints
//   { source: server } as one JSON line and exits.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';

const spec = JSON.parse(process.argv[2]);
const timeoutMs = spec.timeoutMs ?? 800;

function attempt(start, close) {
  return new Promise((resolve) => {
    let done = false;
    const at = Date.now();
    const finish = (server, error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      close();
      resolve({ at, ms: Date.now() - at, ok: server !== undefined, server, error });
    };
    const timer = setTimeout(() => finish(undefined, 'TIMEOUT'), timeoutMs);
    start(finish);
  });
}

function tcpOnce(port, localAddress) {
  let socket;
  return attempt(
    (finish) => {
      socket = connect({ host: spec.host, port, localAddress });
      let buffer = '';
      socket.on('error', (e) => finish(undefined, e.code ?? 'ERROR'));
      socket.on('data', (chunk) => {
        buffer += chunk.toString('utf8');
        const i = buffer.indexOf('\n');
        if (i >= 0) finish(buffer.slice(0, i));
      });
      socket.on('end', () => finish(undefined, 'EOF'));
    },
    () => socket?.destroy(),
  );
}

let id = 0;
function dnsOnce(port) {
  const socket = createSocket('udp4');
  return attempt(
    (finish) => {
      id = (id + 1) & 0xffff;
      const query = dnsPacket.encode({
        type: 'query',
        id,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: [{ type: 'TXT', name: 'health.load.balance' }],
      });
      socket.on('error', (e) => finish(undefined, e.code ?? 'ERROR'));
      socket.on('message', (message) => {
        try {
          const answer = dnsPacket.decode(message).answers?.find((a) => a.type === 'TXT');
          const data = answer?.data;
          const text = Array.isArray(data) ? data.map(String).join('') : undefined;
          finish(text, text === undefined ? 'BADREPLY' : undefined);
        } catch {
          finish(undefined, 'BADREPLY');
        }
      });
      socket.send(query, port, spec.host);
    },
    () => socket.close(),
  );
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

if (spec.once) {
  const out = {};
  for (const source of spec.once.sources) {
    const r = await tcpOnce(spec.once.port, source);
    out[source] = r.ok ? r.server : `FAIL:${r.error}`;
  }
  print(out);
} else {
  let running = true;
  const inFlight = new Set();
  process.stdin.on('end', () => {
    running = false;
  });
  process.stdin.resume();
  const track = (p, promise) => {
    inFlight.add(promise);
    promise.then((r) => {
      inFlight.delete(promise);
      print({ p, ...r });
    });
  };
  while (running) {
    if (spec.tcp) track('tcp', tcpOnce(spec.tcp));
    if (spec.dns) track('dns', dnsOnce(spec.dns));
    await new Promise((resolve) => setTimeout(resolve, spec.every));
  }
  await Promise.all(inFlight);
}
