// Established UDP flows for the flow-sync tests, run in the client namespace.
// Usage: node udp-flow-client.mjs '<json spec>'
// Spec: { host, port, flows, every, sources?: [addresses] }
// Opens `flows` UDP sockets (round robin over `sources` as local addresses,
// each on one port the kernel picks and keeps: one 5-tuple, one conntrack
// entry per flow) and sends a DNS TXT query for health.load.balance to
// host:port every `every` ms on each, the flows in a new random order each
// round (so the order in which a balancer first sees them after a takeover
// says nothing about the order the old one saw); the TXT names the server.
// Prints `{ "type": "open", "flows": N }` once every flow has had an answer
// (or after 10 s), and on stdin close one summary line:
// { type: "summary", flows, answered (flows with an answer), moved (flows
//   answered by more than one server), silent (flows without an answer in
//   their last 2 s), servers: { name: n } (first server of each flow), sent,
//   replies }.
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

const spec = JSON.parse(process.argv[2]);
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** One flow: its socket, the servers that answered it (in order), its last answer. */
function openFlow(i) {
  const flow = { servers: [], replies: 0, sent: 0, last: 0, id: 0 };
  const socket = createSocket('udp4');
  flow.socket = socket;
  socket.on('error', () => {});
  socket.on('message', (message) => {
    let text;
    try {
      const answer = dnsPacket.decode(message).answers?.find((a) => a.type === 'TXT');
      text = Array.isArray(answer?.data) ? answer.data.map(String).join('') : undefined;
    } catch {
      return;
    }
    if (text === undefined) return;
    flow.replies += 1;
    flow.last = Date.now();
    if (flow.servers.at(-1) !== text) flow.servers.push(text);
  });
  const localAddress = spec.sources?.[i % spec.sources.length];
  socket.bind({ address: localAddress, port: 0 });
  return flow;
}

function send(flow) {
  flow.id = (flow.id + 1) & 0xffff;
  const query = dnsPacket.encode({
    type: 'query',
    id: flow.id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'TXT', name: 'health.load.balance' }],
  });
  flow.sent += 1;
  flow.socket.send(query, spec.port, spec.host);
}

const flows = Array.from({ length: spec.flows }, (_, i) => openFlow(i));
let running = true;
process.stdin.on('end', () => {
  running = false;
});
process.stdin.resume();

const started = Date.now();
let announced = false;
/** The flows in a random order (Fisher-Yates). */
function shuffled() {
  const out = flows.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

while (running) {
  for (const flow of shuffled()) send(flow);
  if (!announced && (flows.every((f) => f.replies > 0) || Date.now() - started > 10_000)) {
    announced = true;
    print({ type: 'open', flows: flows.filter((f) => f.replies > 0).length });
  }
  await new Promise((resolve) => setTimeout(resolve, spec.every));
}
// The answers to the last queries.
await new Promise((resolve) => setTimeout(resolve, 300));
const now = Date.now();
const servers = {};
for (const flow of flows) {
  const first = flow.servers[0] ?? 'none';
  servers[first] = (servers[first] ?? 0) + 1;
  flow.socket.close();
}
print({
  type: 'summary',
  flows: flows.length,
  answered: flows.filter((f) => f.replies > 0).length,
  moved: flows.filter((f) => f.servers.length > 1).length,
  silent: flows.filter((f) => now - f.last > 2000).length,
  servers,
  sent: flows.reduce((n, f) => n + f.sent, 0),
  replies: flows.reduce((n, f) => n + f.replies, 0),
});
