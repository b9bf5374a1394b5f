/**
 * The article's check loop as a program: asks a virtual service again and again
 * who answers, and prints one JSON line (`TraceResult`) per request.
 *
 * Usage: trace-client --host VIP --target tcp:7000 [--target dns:53 ...]
 *        [--every 100] [--count N] [--duration MS] [--timeout 500] [--text]
 * Targets: tcp:PORT (line), dns:PORT (TXT over UDP), dns-tcp:PORT, http:PORT (X-Trace).
 * Stops after `--count` rounds or `--duration` ms, or when its stdin closes
 * (so it never outlives the demo that started it with a pipe).
 * `--hold N --hold-port P`: instead, N long-lived connections to an echo
 * service on P, a line every `--every` ms on each; prints `{"type":"open"}`
 * once they are open and one `HoldSummary` line when its stdin closes.
 */
import { fstatSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { holdConnections } from './hold.js';
import { TRACE_PROTOCOLS, type TraceProtocol, trace } from './trace.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    target: { type: 'string', multiple: true, default: [] },
    every: { type: 'string', default: '100' },
    count: { type: 'string', default: '0' },
    duration: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '500' },
    name: { type: 'string', default: 'health.load.balance' },
    text: { type: 'boolean', default: false },
    hold: { type: 'string', default: '0' },
    'hold-port': { type: 'string', default: '0' },
  },
});

const usage = (message: string): never => {
  process.stderr.write(`trace-client: ${message}\n`);
  process.exit(2);
};

const host = values.host ?? usage('--host is required');
const holdCount = Number(values.hold);
if (holdCount > 0) {
  const port = Number(values['hold-port']);
  if (!Number.isInteger(holdCount) || holdCount > 10_000 || !(port > 0 && port < 65_536)) {
    usage('--hold N (1..10000) needs --hold-port PORT');
  }
  const held = await holdConnections({
    host,
    port,
    connections: holdCount,
    every: Number(values.every),
  });
  process.stdout.write(`${JSON.stringify({ type: 'open' })}\n`);
  const finish = () => {
    process.stdout.write(`${JSON.stringify(held.stop())}\n`, () => process.exit(0));
  };
  process.stdin.on('end', finish);
  process.stdin.on('error', finish);
  process.on('SIGTERM', finish);
  process.stdin.resume();
} else {
  await traceLoop();
}

async function traceLoop(): Promise<void> {
  const targets = values.target.map((spec) => {
    const [protocol, port] = spec.split(':');
    if (!TRACE_PROTOCOLS.includes(protocol as TraceProtocol) || !/^\d+$/.test(port ?? '')) {
      return usage(
        `bad --target ${JSON.stringify(spec)} (tcp:PORT, dns:PORT, dns-tcp:PORT, http:PORT)`,
      );
    }
    return { protocol: protocol as TraceProtocol, port: Number(port) };
  });
  if (targets.length === 0) usage('at least one --target is required');
  const every = Number(values.every);
  const count = Number(values.count);
  const duration = Number(values.duration);
  const timeoutMs = Number(values.timeout);

  let stopped = false;
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on('end', () => {
      stopped = true;
    });
    process.stdin.on('error', () => {
      stopped = true;
    });
    process.stdin.resume();
  }
  process.on('SIGTERM', () => {
    stopped = true;
  });
  const deadline = duration > 0 ? Date.now() + duration : Number.POSITIVE_INFINITY;

  for (
    let round = 0;
    !stopped && (count === 0 || round < count) && Date.now() < deadline;
    round++
  ) {
    const started = Date.now();
    const results = await Promise.all(
      targets.map((t) => trace(t.protocol, { host, port: t.port, timeoutMs, name: values.name })),
    );
    for (const result of results) {
      process.stdout.write(
        values.text
          ? `${result.protocol.padEnd(7)} ${result.ok ? result.server : `FAIL ${result.error}`} ${result.ms} ms\n`
          : `${JSON.stringify(result)}\n`,
      );
    }
    const wait = every - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  process.exit(0);
}
