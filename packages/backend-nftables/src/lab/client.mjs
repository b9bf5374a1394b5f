// Traffic generator for kernel tests, run inside the client namespace.
// Usage: node client.mjs '<json spec>'; prints one JSON result line.
// Spec: { mode, host, port, count?, durationMs?, concurrency?, timeoutMs?, sources?, intervalMs? }
// mode "tcp": `count` connections (or for `durationMs`), each reads the first line (the
//   server's name) and closes; result { counts: {name: n}, failures, errors: {code: n}, elapsedMs }.
// mode "udp": the same with one datagram per request from a fresh socket.
// mode "hold": one TCP connection kept for `durationMs`, a line every `intervalMs`;
//   result { name, answered, failures, closedEarly, error }.
// mode "dns-udp" / "dns-tcp": TXT query for health.load.balance; counts by the TXT text.
// `sources` (optional): local addresses used round robin (source-hash tests).
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';

const spec = JSON.parse(process.argv[2]);
const timeoutMs = spec.timeoutMs ?? 2000;
const counts = {};
const errors = {};
let failures = 0;
let sourceIndex = 0;
const nextSource = () =>
  spec.sources ? spec.sources[sourceIndex++ % spec.sources.length] : undefined;
const bySource = {};
const tally = (name, source) => {
  counts[name] = (counts[name] ?? 0) + 1;
  if (source) {
    bySource[source] ??= {};
    bySource[source][name] = (bySource[source][name] ?? 0) + 1;
  }
};
const fail = (code) => {
  failures += 1;
  errors[code] = (errors[code] ?? 0) + 1;
};

/**
 * One attempt's ending, counted once: a name is tallied for `source`, anything
 * else counted as a failure `code`; then `close` and `resolve`. Returns the
 * `done(name, code)` function and arms the timeout that ends it as TIMEOUT.
 */
function attempt(source, close, resolve) {
  let finished = false;
  const done = (name, code) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    close();
    if (name) tally(name, source);
    else fail(code);
    resolve();
  };
  const timer = setTimeout(() => done(undefined, 'TIMEOUT'), timeoutMs);
  return done;
}

function tcpOnce(source) {
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port, localAddress: source });
    let buffer = '';
    const done = attempt(source, () => socket.destroy(), resolve);
    socket.on('error', (e) => done(undefined, e.code ?? 'ERROR'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const i = buffer.indexOf('\n');
      if (i >= 0) done(buffer.slice(0, i));
    });
    socket.on('end', () => done(undefined, 'EOF'));
  });
}

function udpOnce(source, payload, decode) {
  return new Promise((resolve) => {
    const socket = createSocket(spec.host.includes(':') ? 'udp6' : 'udp4');
    const done = attempt(source, () => socket.close(), resolve);
    socket.on('error', (e) => done(undefined, e.code ?? 'ERROR'));
    socket.on('message', (msg) => done(decode(msg) ?? undefined, 'BADREPLY'));
    socket.bind({ address: source, port: spec.sourcePort ?? 0 }, () =>
      socket.send(payload, spec.port, spec.host),
    );
  });
}

const query = () =>
  dnsPacket.encode({
    type: 'query',
    id: 1 + Math.floor(Math.random() * 65000),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'TXT', name: 'health.load.balance' }],
  });
const txt = (msg) => {
  const answer = dnsPacket.decode(msg).answers?.find((a) => a.type === 'TXT');
  return answer
    ? []
        .concat(answer.data)
        .map((b) => b.toString())
        .join('')
    : undefined;
};

function dnsTcpOnce(source) {
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port, localAddress: source });
    let buffer = Buffer.alloc(0);
    const done = (name, code) => {
      clearTimeout(timer);
      socket.destroy();
      if (name) tally(name, source);
      else fail(code);
      resolve();
    };
    const timer = setTimeout(() => done(undefined, 'TIMEOUT'), timeoutMs);
    socket.on('error', (e) => done(undefined, e.code ?? 'ERROR'));
    socket.on('connect', () => socket.write(dnsPacket.streamEncode(dnsPacket.decode(query()))));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        done(txt(buffer.subarray(2, 2 + buffer.readUInt16BE(0))), 'BADREPLY');
      }
    });
  });
}

const once = {
  tcp: (s) => tcpOnce(s),
  udp: (s) => udpOnce(s, Buffer.from('hi'), (m) => m.toString('utf8')),
  'dns-udp': (s) => udpOnce(s, query(), txt),
  'dns-tcp': (s) => dnsTcpOnce(s),
};

async function load() {
  const start = performance.now();
  const startedAt = Date.now();
  const deadline = spec.durationMs ? start + spec.durationMs : Number.POSITIVE_INFINITY;
  let remaining = spec.count ?? Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (remaining > 0 && performance.now() < deadline) {
      remaining -= 1;
      await once[spec.mode](nextSource());
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency ?? 1 }, worker));
  return { counts, bySource, failures, errors, elapsedMs: performance.now() - start, startedAt };
}

function hold() {
  return new Promise((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port });
    const result = {
      name: undefined,
      answered: 0,
      failures: 0,
      closedEarly: false,
      error: undefined,
    };
    let buffer = '';
    let sent = 0;
    const finish = () => {
      clearInterval(ticker);
      clearTimeout(end);
      socket.destroy();
      resolve(result);
    };
    const ticker = setInterval(() => {
      if (sent > result.answered + 1) result.failures += 1;
      socket.write(`ping${sent++}\n`);
    }, spec.intervalMs ?? 100);
    const end = setTimeout(finish, spec.durationMs ?? 2000);
    socket.on('error', (e) => {
      result.error = e.code ?? 'ERROR';
      result.closedEarly = true;
      finish();
    });
    socket.on('end', () => {
      result.closedEarly = true;
      finish();
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (result.name === undefined) result.name = line;
        else if (line.startsWith(`${result.name}:ping`)) result.answered += 1;
      }
    });
  });
}

const result = spec.mode === 'hold' ? await hold() : await load();
process.stdout.write(`${JSON.stringify(result)}\n`);
