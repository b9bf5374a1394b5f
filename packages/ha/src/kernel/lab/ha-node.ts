/**
 * One node of the HA lab: an lbkit balancer (nftables backend, real probes)
 * with @lbkit/ha supervising keepalived. Runs inside the node's namespace.
 *
 * Usage: node --import tsx ha-node.ts '<json spec>'
 * Spec: { services: ServiceInput[], backend?: 'nftables' | 'ipvs', nftables?: NftablesRenderOptions, ha: HaInput,
 *   guard?: TakeoverGuardOptions (the takeover guard, with ha.conntrackd) }
 * Prints JSON lines: started, ready, destination (a health change), role,
 * keepalived, conntrackd, sync, health, vipsRemoved, applyFailed, log, problem, stopped. Reads commands on stdin, one per line:
 * `fail-applies on|off` (the backend refuses every apply: a stand-in for a
 * kernel refusing lbkit's changes; everything after it is real). Stops on
 * SIGTERM or when stdin closes: HA first (gives the VIP away), then the balancer.
 */
import { createInterface } from 'node:readline';
import { createIpvsBackend } from '@lbkit/backend-ipvs';
import {
  createNftablesBackend,
  type NftablesRenderOptions,
  renderTakeoverGuard,
  type TakeoverGuardOptions,
} from '@lbkit/backend-nftables';
import {
  type Backend,
  backendError,
  createBalancer,
  formatConfigIssue,
  type ServiceInput,
  validateServices,
} from '@lbkit/core';
import { createProbe } from '@lbkit/probes';
import { errAsync } from 'neverthrow';
import { createHa } from '../../ha.js';
import type { HaInput } from '../../options.js';

interface Spec {
  readonly services: readonly ServiceInput[];
  readonly backend?: 'nftables' | 'ipvs';
  readonly nftables?: NftablesRenderOptions;
  readonly ha: HaInput;
  readonly guard?: TakeoverGuardOptions;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const send = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...message, at: message['at'] ?? Date.now() })}\n`);
};
const fatal = (message: string): never => {
  send({ type: 'problem', message, fatal: true });
  process.exit(1);
};

const services = validateServices(spec.services);
if (services.isErr()) fatal(services.error.map(formatConfigIssue).join('; '));
const kernel = (): Backend => {
  if (spec.backend === 'ipvs') return createIpvsBackend({ instance: 'lbkit_ha' });
  const nft = createNftablesBackend({ table: 'lbkit_ha', ...spec.nftables });
  if (nft.isErr()) fatal(`nftables: ${nft.error.message}`);
  return nft._unsafeUnwrap();
};

let failApplies = false;
const inner = kernel();
const backend: Backend = {
  name: inner.name,
  capabilities: inner.capabilities,
  apply: (desired) =>
    failApplies
      ? errAsync(backendError('rejected', 'applies fail (lab fault)'))
      : inner.apply(desired),
  read: () => inner.read(),
  close: (options) => inner.close(options),
};

const balancer = createBalancer({
  services: services._unsafeUnwrap(),
  backend,
  probes: createProbe,
});
balancer.on('applyFailed', (e) => send({ type: 'applyFailed', message: e.error.message }));
balancer.on('ready', () => send({ type: 'ready' }));
balancer.on('health', (e) =>
  send({ type: 'destination', service: e.service, destination: e.destination, to: e.to }),
);

const guard = spec.guard ? renderTakeoverGuard(spec.guard) : undefined;
if (guard?.isErr()) fatal(`guard: ${guard.error.message}`);
const ha = createHa(spec.ha, guard ? { guard: guard._unsafeUnwrap() } : {});
if (ha.isErr()) fatal(`ha: ${ha.error.message}`);
const node = ha._unsafeUnwrap();
node.on('role', (e) => send({ type: 'role', ...e }));
node.on('keepalived', (e) => send({ type: 'keepalived', ...e }));
node.on('conntrackd', (e) => send({ type: 'conntrackd', ...e }));
node.on('sync', (e) => send({ type: 'sync', ...e }));
node.on('health', (e) => send({ type: 'health', ...e }));
node.on('vipsRemoved', (e) => send({ type: 'vipsRemoved', ...e }));
node.on('log', (e) => send({ type: 'log', ...e }));
node.on('problem', (e) => send({ type: 'problem', ...e }));

const started = await balancer.start();
if (started.isErr()) fatal(`balancer: ${started.error.message}`);
node.watch(balancer);
const haStarted = await node.start();
if (haStarted.isErr()) fatal(`ha: ${haStarted.error.message}`);
send({ type: 'started', pid: process.pid });

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await node.stop();
  await balancer.stop({ keep: false });
  send({ type: 'stopped' });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  if (line === 'fail-applies on') failApplies = true;
  else if (line === 'fail-applies off') failApplies = false;
  send({ type: 'command', line });
});
commands.on('close', () => void stop());
