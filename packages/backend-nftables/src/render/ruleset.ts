import type { BackendError, DesiredState } from '@lbkit/core';
import { ITEMS_PER_STEP, runAll, type Steps } from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import { TABLE_COMMENT } from '../names.js';
import type { NftCommand } from './commands.js';
import {
  type NftablesRenderOptions,
  type ResolvedRenderOptions,
  resolveRenderOptions,
} from './options.js';
import { printCommands } from './print.js';
import { type AddressMemo, type RenderedService, renderService } from './service.js';
import { servicesAddCommandsSteps, skeletonCommands } from './skeleton.js';
import { sortedByName } from './sorted-services.js';

/** Renders every service (sorted by name); the first failure wins. */
export function renderServices(
  desired: DesiredState,
  options: ResolvedRenderOptions,
): Result<Map<string, RenderedService>, BackendError> {
  return runAll(renderServicesSteps(desired, options));
}

/** `renderServices` as steps: it yields every `ITEMS_PER_STEP` services. */
export function* renderServicesSteps(
  desired: DesiredState,
  options: ResolvedRenderOptions,
): Steps<Result<Map<string, RenderedService>, BackendError>> {
  const out = new Map<string, RenderedService>();
  const keys = new Map<string, string>();
  const memo: AddressMemo = new Map();
  const sorted = sortedByName(desired.services);
  let done = 0;
  for (const service of sorted) {
    if (++done % ITEMS_PER_STEP === 0) yield;
    const rendered = renderService(service, options, memo);
    if (rendered.isErr()) return err(rendered.error);
    if (out.has(service.name)) {
      return err({ kind: 'rejected', message: `duplicate service name ${service.name}` });
    }
    // The kernel's key: canonical VIP (2001:DB8::1 and 2001:db8::1 are one service key).
    const key = `${rendered.value.vip}|${service.key.protocol}|${service.key.port}`;
    const other = keys.get(key);
    if (other !== undefined) {
      return err({
        kind: 'rejected',
        message: `services ${other} and ${service.name} have the same key`,
      });
    }
    keys.set(key, service.name);
    out.set(service.name, rendered.value);
  }
  return ok(out);
}

/**
 * The whole ruleset as commands that, run as ONE transaction, create the table
 * if missing, delete it and build it again: any table of the same name left
 * by an earlier run is replaced with no window without rules. Pure; fails with
 * `rejected` (invalid names, addresses, options) or `unsupported` (`lc`, `wlc`).
 */
export function rulesetCommands(
  desired: DesiredState,
  options: NftablesRenderOptions = {},
): Result<NftCommand[], BackendError> {
  return runAll(rulesetCommandsSteps(desired, options));
}

/** `rulesetCommands` as steps (see `runInSlices`): it yields while rendering the services. */
export function* rulesetCommandsSteps(
  desired: DesiredState,
  options: NftablesRenderOptions = {},
): Steps<Result<NftCommand[], BackendError>> {
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  const opts = resolved.value;
  const services = yield* renderServicesSteps(desired, opts);
  if (services.isErr()) return err(services.error);
  const adds = yield* servicesAddCommandsSteps(services.value.values());
  const commands: NftCommand[] = [
    { verb: 'add', object: 'table', comment: TABLE_COMMENT },
    { verb: 'delete', object: 'table' },
    { verb: 'add', object: 'table', comment: TABLE_COMMENT },
    ...skeletonCommands(opts),
  ];
  for (const c of adds) commands.push(c);
  return ok(commands);
}

/**
 * `rulesetCommands` as ONE nft script, one statement per line. Same
 * failure modes.
 */
export function renderRuleset(
  desired: DesiredState,
  options: NftablesRenderOptions = {},
): Result<string, BackendError> {
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  return rulesetCommands(desired, options).map((commands) =>
    printCommands(commands, resolved.value.table),
  );
}
