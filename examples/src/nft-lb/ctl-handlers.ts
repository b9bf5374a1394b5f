/**
 * What the daemon answers on its control socket: `status` from
 * `balancer.status()`, `drain`/`enable`/`disable` through the balancer's
 * runtime API (an unknown name changes nothing), `reload` through the same
 * path as SIGHUP. Changes answer once the kernel is updated, or after
 * `settleMs` with `applied: false` (the update is retried in the background).
 * Peer text (TXT identities, error messages) is not in the answers.
 */
import type { Balancer, ConfigChange } from '@lbkit/core';
import type { CtlRequest, CtlResponse, DrainUntil } from './ctl-protocol.js';
import { failure } from './ctl-protocol.js';

/** What a reload did: applied (with the change), or refused with its problem lines. */
export type ReloadOutcome =
  | { readonly applied: true; readonly change: ConfigChange }
  | { readonly applied: false; readonly problems: readonly string[] };

/** One destination in a `status` answer. */
export interface DestinationStatusLine {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  readonly health: string;
  readonly admin: string;
  readonly serving: boolean;
  /** Epoch ms of the last health change. */
  readonly since: number;
  readonly lastCheck?: {
    readonly ok: boolean;
    readonly latencyMs: number;
    readonly error?: string;
  };
}

/** One service in a `status` answer. */
export interface ServiceStatusLine {
  readonly name: string;
  readonly vip: string;
  readonly port: number;
  readonly protocol: string;
  readonly scheduler: string;
  readonly empty: boolean;
  readonly destinations: readonly DestinationStatusLine[];
}

/** The `status` answer. */
export interface StatusResult {
  readonly table: string;
  readonly rules: string;
  readonly ready: boolean;
  readonly services: readonly ServiceStatusLine[];
}

/** The answer to drain, enable and disable. */
export interface AdminResult {
  readonly service: string;
  readonly destination: string;
  readonly admin: 'drained' | 'enabled' | 'disabled';
  /** True once the kernel has the change. */
  readonly applied: boolean;
  /** A drain until idle / a time: the destination is removed then (events in the log). */
  readonly until?: DrainUntil;
}

/** The answer to an applied reload. */
export interface ReloadResult extends ConfigChange {
  readonly applied: boolean;
}

/** What the handlers need from the daemon. */
export interface CtlContext {
  readonly balancer: Balancer;
  readonly table: string;
  readonly rules: string;
  /** The daemon's reload (the SIGHUP path), serialized with SIGHUPs. */
  readonly reload: () => Promise<ReloadOutcome>;
  /** Log line of an accepted change. */
  readonly info: (line: string) => void;
  /** Longest wait for the kernel update before answering (ms). Default 5000. */
  readonly settleMs?: number;
}

/** ` until idle (deadline 60000 ms)` for the log line. */
const untilText = (d: DrainUntil): string =>
  d.until === 'idle'
    ? ` until idle${d.deadline === undefined ? '' : ` (deadline ${d.deadline} ms)`}`
    : ` for ${d.until} ms`;

const ADMIN_STATE = { drain: 'drained', enable: 'enabled', disable: 'disabled' } as const;

/** The request handler of the control socket. */
export function ctlHandler(context: CtlContext): (request: CtlRequest) => Promise<CtlResponse> {
  const settled = (): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), context.settleMs ?? 5000);
    });
    return Promise.race([context.balancer.settled().then(() => true), late]).finally(() =>
      clearTimeout(timer),
    );
  };
  return async (request) => {
    switch (request.command) {
      case 'status':
        return { ok: true, command: 'status', result: statusOf(context) };
      case 'reload': {
        const outcome = await context.reload();
        if (!outcome.applied)
          return failure('not applied; the running configuration is kept', outcome.problems);
        const result: ReloadResult = { ...outcome.change, applied: await settled() };
        return { ok: true, command: 'reload', result };
      }
      default: {
        const { command, service, destination, drain } = request;
        const done =
          command === 'drain' && drain
            ? context.balancer.drain(service, destination, drain)
            : context.balancer[command](service, destination);
        if (done.isErr()) return failure(`${command}: ${done.error.message}; nothing was changed`);
        context.info(`ctl: ${command} ${service}/${destination}${drain ? untilText(drain) : ''}`);
        const result: AdminResult = {
          service,
          destination,
          admin: ADMIN_STATE[command],
          applied: await settled(),
          ...(drain !== undefined && { until: drain }),
        };
        return { ok: true, command, result };
      }
    }
  };
}

/** The `status` answer from the balancer's view. */
function statusOf(context: CtlContext): StatusResult {
  return {
    table: context.table,
    rules: context.rules,
    ready: context.balancer.ready,
    services: context.balancer.status().map((view) => ({
      name: view.service.name,
      vip: view.service.key.vip,
      port: view.service.key.port,
      protocol: view.service.key.protocol,
      scheduler: view.service.scheduler,
      empty: view.empty,
      destinations: view.destinations.map((d) => ({
        name: d.name,
        address: d.address,
        port: d.port,
        weight: d.weight,
        health: d.health,
        admin: d.admin,
        serving: d.serving,
        since: d.since,
        ...(d.lastResult && {
          lastCheck: {
            ok: d.lastResult.ok,
            latencyMs: Math.round(d.lastResult.latencyMs * 1000) / 1000,
            ...(d.lastResult.error && { error: d.lastResult.error.kind }),
          },
        }),
      })),
    })),
  };
}
