/**
 * How the IPVS backend meets the kernel: services read back as a snapshot
 * (one destination dump per service, the event loop running in between) and
 * as core's observed state, and ops run many per socket write, settling the
 * failures a retried or raced op explains (exists -> update, gone -> done).
 * @module
 */
import { type BackendError, backendError, type ObservedService } from '@lbkit/core';
import { pacer } from '@lbkit/netlink';
import { err, errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import type { IpvsClient, IpvsError } from '../client/client.js';
import { formatServiceId, type IpvsService, isFwmarkService } from '../client/types.js';
import {
  formatOp,
  type IpvsOp,
  type IpvsSnapshot,
  type ServiceState,
  sameServiceConfig,
} from './diff.js';

/** An IPVS client error as a backend error (`prefix` names what was being done). */
export const fromIpvs = (e: IpvsError, prefix = ''): BackendError =>
  backendError(
    e.kind === 'unavailable' || e.kind === 'permission'
      ? 'unavailable'
      : e.kind === 'parse'
        ? 'parse'
        : 'rejected',
    `${prefix}${e.message}`,
    { cause: e },
  );

/**
 * What an op's failure means once the kernel answered: a create that found its
 * object present becomes an update (idempotent), a remove that found nothing
 * is done; anything else stays a failure.
 */
function settleOp(client: IpvsClient, op: IpvsOp, error: IpvsError): ResultAsync<void, IpvsError> {
  switch (op.op) {
    case 'create-service':
      return error.kind === 'exists'
        ? client.updateService(op.service, op.config)
        : errAsync(error);
    case 'create-destination':
      return error.kind === 'exists'
        ? client.updateDestination(op.service, op.destination, op.config)
        : errAsync(error);
    case 'remove-service':
    case 'remove-destination':
      return error.kind === 'not-found' ? okAsync(undefined) : errAsync(error);
    default:
      return errAsync(error);
  }
}

/**
 * Reads the given services with their destinations (one dump per service). A
 * service found in `known` with the same configuration reuses its remembered
 * destinations instead of a dump.
 */
export async function snapshot(
  client: IpvsClient,
  services: readonly IpvsService[],
  names: Readonly<Record<string, string>>,
  known?: ReadonlyMap<string, ServiceState>,
): Promise<Result<IpvsSnapshot, IpvsError>> {
  const out: ServiceState[] = [];
  // One dump per service: the event loop runs between them (10,000 take seconds).
  const pace = pacer();
  for (const s of services) {
    const paused = pace();
    if (paused) await paused;
    const id = formatServiceId(s.id);
    const remembered = known?.get(id);
    let destinations: ServiceState['destinations'];
    if (remembered && sameServiceConfig(remembered.config, s.config)) {
      destinations = remembered.destinations;
    } else {
      const dests = await client.destinations(s.id);
      if (dests.isErr()) return err(dests.error);
      destinations = dests.value.map((d) => ({ id: d.id, config: d.config }));
    }
    const name = names[id];
    out.push({ id: s.id, config: s.config, destinations, ...(name === undefined ? {} : { name }) });
  }
  return ok({ services: out });
}

/** An IPVS service as core's `ObservedService` (fwmark and SCTP services have none). */
export function observe(s: ServiceState): ObservedService[] {
  if (isFwmarkService(s.id) || s.id.protocol === 'sctp') return [];
  return [
    {
      key: { vip: s.id.address, port: s.id.port, protocol: s.id.protocol },
      ...(s.name === undefined ? {} : { name: s.name }),
      scheduler: s.config.scheduler,
      destinations: s.destinations.map((d) => ({
        address: d.id.address,
        port: d.id.port,
        weight: d.config.weight,
      })),
    },
  ];
}

/**
 * Runs `ops` in order, many per socket write (`changeAll`). The kernel runs
 * every one, so a failed op does not stop the later ones: the report lists
 * what was applied as done and the rest as not done.
 */
export async function executeOps(
  c: IpvsClient,
  ops: readonly IpvsOp[],
): Promise<Result<readonly IpvsOp[], BackendError>> {
  const answers = await c.changeAll(ops);
  if (answers.isErr()) return err(fromIpvs(answers.error, ''));
  const done: IpvsOp[] = [];
  const notDone: IpvsOp[] = [];
  let failure: { op: IpvsOp; error: IpvsError } | undefined;
  for (const [i, answer] of answers.value.entries()) {
    const op = ops[i]!;
    const settled = answer.isOk() ? answer : await settleOp(c, op, answer.error);
    if (settled.isOk()) done.push(op);
    else {
      notDone.push(op);
      failure ??= { op, error: settled.error };
    }
  }
  if (!failure) return ok(ops);
  const base = fromIpvs(failure.error, `${formatOp(failure.op)}: `);
  if (done.length === 0 && base.kind !== 'rejected') return err(base);
  return err(
    backendError(
      done.length === 0 ? 'rejected' : 'partial',
      `${done.length} of ${ops.length} IPVS operations applied; ${base.message}`,
      { done: done.map(formatOp), notDone: notDone.map(formatOp), cause: failure.error },
    ),
  );
}
