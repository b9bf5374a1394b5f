import type { BackendError, DesiredState } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import {
  type NftablesRenderOptions,
  type ResolvedRenderOptions,
  resolveRenderOptions,
} from './options.js';
import { type RenderedService, renderService } from './service.js';
import { renderServicesAdd, renderSkeleton, tableRef } from './skeleton.js';

/** Renders every service (sorted by name); the first failure wins. */
export function renderServices(
  desired: DesiredState,
  options: ResolvedRenderOptions,
): Result<Map<string, RenderedService>, BackendError> {
  const out = new Map<string, RenderedService>();
  const keys = new Map<string, string>();
  const sorted = [...desired.services].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const service of sorted) {
    const rendered = renderService(service, options);
    if (rendered.isErr()) return err(rendered.error);
    if (out.has(service.name)) {
      return err({ kind: 'rejected', message: `duplicate service name ${service.name}` });
    }
    const key = `${service.key.vip}|${service.key.protocol}|${service.key.port}`;
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
 * The whole ruleset as ONE nft script (one statement per line) that, run as a
 * single transaction, creates the table if missing, deletes it and builds it
 * again: any table of the same name left by an earlier run is replaced with no
 * window without rules. Pure; fails with `rejected` (invalid names, addresses,
 * options) or `unsupported` (`lc`, `wlc`).
 */
export function renderRuleset(
  desired: DesiredState,
  options: NftablesRenderOptions = {},
): Result<string, BackendError> {
  const resolved = resolveRenderOptions(options);
  if (resolved.isErr()) return err(resolved.error);
  const opts = resolved.value;
  const services = renderServices(desired, opts);
  if (services.isErr()) return err(services.error);
  const t = tableRef(opts);
  const lines = [
    `add table ${t}`,
    `delete table ${t}`,
    `add table ${t}`,
    ...renderSkeleton(opts),
    ...renderServicesAdd(services.value.values(), opts),
  ];
  return ok(`${lines.join('\n')}\n`);
}

/** `delete table inet <table>`: removes everything lbkit owns (for `close()`). */
export function renderDeleteTable(
  options: NftablesRenderOptions = {},
): Result<string, BackendError> {
  return resolveRenderOptions(options).map((opts) => `delete table ${tableRef(opts)}\n`);
}
