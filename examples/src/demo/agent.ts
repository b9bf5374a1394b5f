/**
 * The demo's balancer: runs inside the lb namespace, balances the demo's
 * services with lbkit and reports every check, transition and kernel update
 * as JSON lines (`AgentMessage`) on stdout. Stops cleanly (removing its rules)
 * on SIGTERM/SIGINT or when its stdin closes.
 *
 * Usage: demo-agent --vip 192.0.2.10 --server s1=198.51.100.11 ... [--backend nftables|ipvs]
 *        [--interval 150] [--fall 2] [--rise 2] [--ha JSON] [--echo]
 * `--ha` (HA options as JSON, @lbkit/ha): also one node of a keepalived pair,
 * reporting its role; on stop it gives the VIP away before removing its rules.
 */
import { fstatSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createBalancer, formatConfigIssue } from '@lbkit/core';
import { createHa, type Ha, validateHaOptions } from '@lbkit/ha';
import { createProbe } from '@lbkit/probes';
import { type BackendKind, createBackend } from '../common/backend.js';
import { pairGuard } from '../ha/pair-node.js';
import type { AgentMessage } from './messages.js';
import { demoServices } from './services.js';

const { values } = parseArgs({
  options: {
    vip: { type: 'string', default: '192.0.2.10' },
    server: { type: 'string', multiple: true, default: [] },
    backend: { type: 'string', default: 'nftables' },
    interval: { type: 'string', default: '150' },
    fall: { type: 'string', default: '2' },
    rise: { type: 'string', default: '2' },
    ha: { type: 'string' },
    echo: { type: 'boolean', default: false },
  },
});

const send = (message: AgentMessage): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};
const fatal = (message: string): never => {
  send({ type: 'problem', at: Date.now(), message, fatal: true });
  process.exit(1);
};

const servers = values.server.map((spec) => {
  const [name = '', address = ''] = spec.split('=');
  return { name, address };
});
const services = demoServices(values.vip, servers, {
  interval: Number(values.interval),
  fall: Number(values.fall),
  rise: Number(values.rise),
  echo: values.echo,
});
if (services.isErr()) fatal(services.error.map(formatConfigIssue).join('; '));
const kind = values.backend as BackendKind;
const backend = await createBackend(kind, { table: 'lbkit_demo', counters: true });
if (backend.isErr()) fatal(`${kind} backend: ${backend.error.message}`);

const balancer = createBalancer({
  services: services._unsafeUnwrap(),
  backend: backend._unsafeUnwrap(),
  probes: createProbe,
});

balancer.on('check', (e) =>
  send({
    type: 'check',
    at: e.result.at,
    service: e.service,
    destination: e.destination,
    ok: e.result.ok,
    ms: e.result.latencyMs,
    ...(e.result.error !== undefined && { error: e.result.error.kind }),
  }),
);
balancer.on('health', (e) =>
  send({
    type: 'health',
    at: e.result.at,
    service: e.service,
    destination: e.destination,
    from: e.from,
    to: e.to,
    reason: e.reason,
  }),
);
balancer.on('applied', (e) =>
  send({
    type: 'applied',
    at: Date.now(),
    operations: e.report.operations,
    ms: e.report.durationMs,
    changed: e.report.changedServices,
    serving: Object.fromEntries(
      e.desired.services.map((s) => [
        s.name,
        s.destinations.filter((d) => d.weight > 0).map((d) => d.name),
      ]),
    ),
  }),
);
balancer.on('applyFailed', (e) =>
  send({
    type: 'problem',
    at: Date.now(),
    message: `apply failed (${e.error.kind}): ${e.error.message}; retry in ${e.retryInMs} ms`,
    fatal: false,
  }),
);
balancer.on('watchdog', (e) =>
  send({
    type: 'problem',
    at: Date.now(),
    message: `watchdog: ${e.stalledMs} ms without a check`,
    fatal: false,
  }),
);
balancer.on('ready', () => send({ type: 'ready', at: Date.now() }));

const started = await balancer.start();
if (started.isErr()) fatal(`start failed (${started.error.kind}): ${started.error.message}`);
const ha = values.ha === undefined ? undefined : await startHa(values.ha);
send({
  type: 'started',
  at: Date.now(),
  detail: `${backend._unsafeUnwrap().name} backend, ${servers.length} servers`,
});

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await ha?.stop();
  const stopped = await balancer.stop({ keep: false });
  if (stopped.isErr()) {
    send({ type: 'problem', at: Date.now(), message: stopped.error.message, fatal: false });
  }
  send({ type: 'stopped', at: Date.now() });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

/** Starts the HA node (`--ha`): role and HA events become agent messages. */
async function startHa(json: string): Promise<Ha> {
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch {
    return fatal('--ha must be JSON');
  }
  const config = validateHaOptions(input);
  if (config.isErr()) return fatal(`ha: ${config.error.map(formatConfigIssue).join('; ')}`);
  const guard = pairGuard(config.value);
  if (guard?.isErr()) return fatal(`ha: takeover guard: ${guard.error}`);
  const created = createHa(config.value, guard?.isOk() ? { guard: guard.value } : {});
  if (created.isErr()) return fatal(`ha: ${created.error.message}`);
  const node = created.value;
  const note = (message: string) => send({ type: 'ha', at: Date.now(), message });
  node.on('role', (e) =>
    send({ type: 'role', at: e.at, role: e.role, previous: e.previous, reason: e.reason }),
  );
  node.on('keepalived', (e) => note(e.message));
  node.on('vipsRemoved', (e) => {
    if (e.addresses.length > 0) note(`removed stale VIPs ${e.addresses.join(', ')}`);
  });
  node.on('health', (e) => note(e.healthy ? 'healthy' : `unhealthy: ${e.reasons.join(', ')}`));
  node.on('problem', (e) => note(e.message));
  node.on('sync', (e) => {
    if (e.step === 'done')
      note(`flow sync for ${e.role} ${e.ok ? 'done' : 'FAILED'} in ${e.ms} ms`);
  });
  node.watch(balancer);
  const haStarted = await node.start();
  if (haStarted.isErr()) return fatal(`ha: ${haStarted.error.message}`);
  return node;
}
