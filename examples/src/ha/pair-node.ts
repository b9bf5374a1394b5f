/**
 * A balancer pair in the example daemons (`nft-lb --ha FILE`, `dns-cluster
 * --ha FILE`): loads the node's HA options (YAML/JSON, every problem with
 * `file:line`), checks them (`--check`: our validation, then `keepalived -t`
 * on the rendered config when keepalived is installed), and runs the HA node
 * next to a started balancer with one log line per role or keepalived change.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTakeoverGuard, type TakeoverGuardScripts } from '@lbkit/backend-nftables';
import type { Balancer, ConfigIssue } from '@lbkit/core';
import { formatConfigIssue } from '@lbkit/core';
import {
  createHa,
  type Ha,
  type HaConfig,
  loadHaConfigFile,
  renderConntrackdConf,
  renderKeepalivedConf,
} from '@lbkit/ha';
import { err, ok, type Result } from 'neverthrow';

/** Where a daemon writes. */
export interface HaIo {
  readonly info: (line: string) => void;
  readonly warn: (line: string) => void;
}

/** Loads and validates an HA options file; the issues formatted `file:line: message`. */
export async function loadPairConfig(path: string): Promise<Result<HaConfig, string[]>> {
  const loaded = await loadHaConfigFile(path);
  return loaded.isOk()
    ? ok(loaded.value)
    : err(loaded.error.map((i: ConfigIssue) => formatConfigIssue(i)));
}

/** One summary line of an HA config (for `--check` and the start log). */
export function describePair(config: HaConfig): string {
  const side = (s: HaConfig['service']) =>
    `${s.instance} on ${s.interface} (VRID ${s.virtualRouterId}, VIP ${s.vips.map((v) => `${v.address}/${v.prefix}`).join(', ')})`;
  const sides = [config.service, ...(config.inner ? [config.inner] : [])].map(side).join(' + ');
  const mode =
    config.mode === 'attach' ? 'attached to the operator keepalived' : 'keepalived supervised';
  const c = config.conntrackd;
  const sync = c
    ? `, conntrackd on ${c.interface} ${c.address} -> ${c.peer}:${c.port}${c.guard ? ' with the takeover guard' : ''}`
    : '';
  return `VRRPv${config.version} ${sides}, priority ${config.priority}, advert ${config.advertIntervalMs} ms, ${config.preempt ? 'preempt' : 'nopreempt'}, ${mode}${sync}`;
}

/**
 * The takeover guard's scripts for a config with `conntrackd.guard`: every
 * VIP of both sides, and the synced `flows` (the servers) as the sources of
 * replies. Undefined without conntrackd or the guard.
 */
export function pairGuard(config: HaConfig): Result<TakeoverGuardScripts, string> | undefined {
  const c = config.conntrackd;
  if (!c?.guard) return undefined;
  const vips = [...config.service.vips, ...(config.inner?.vips ?? [])].map((v) => v.address);
  return renderTakeoverGuard({ table: c.guardTable, vips, from: c.flows, udp: c.guardUdp }).mapErr(
    (e) => e.message,
  );
}

/**
 * What `--check` can tell about the sync link here: conntrackd installed and
 * the interface present ([] when both hold). conntrackd has no check mode.
 */
export function conntrackdCheck(config: HaConfig): string[] {
  const c = config.conntrackd;
  if (!c) return [];
  const out: string[] = [];
  if (!existsSync(c.binary))
    out.push(`conntrackd.binary: ${c.binary} is not installed (Debian package conntrackd)`);
  if (!existsSync(`/sys/class/net/${c.interface}`))
    out.push(`conntrackd.interface: no interface ${c.interface} on this host`);
  return out;
}

/**
 * `keepalived -t` on the config lbkit would render (in a temporary file, the
 * run directory untouched): its complaints, or [] when it accepts it.
 * Undefined when keepalived is not installed.
 */
export function keepalivedCheck(config: HaConfig): string[] | undefined {
  if (!existsSync(config.binary)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'lbkit-ha-check-'));
  try {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, renderKeepalivedConf(config));
    const r = spawnSync(config.binary, ['-t', '-f', file], { encoding: 'utf8', timeout: 20_000 });
    if (r.status === 0) return [];
    return `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((l) => l.replace(file, 'keepalived.conf'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Logs the HA node's changes; returns the unsubscribe function. */
export function attachPairLog(ha: Ha, io: HaIo): () => void {
  const offs = [
    ha.on('role', (e) =>
      (e.role === 'fault' || e.role === 'stop' ? io.warn : io.info)(
        `ha: role ${e.previous} -> ${e.role}${e.priority !== undefined ? ` (priority ${e.priority})` : ''}: ${e.reason}`,
      ),
    ),
    ha.on('keepalived', (e) =>
      (e.state === 'restarting' || e.state === 'absent' ? io.warn : io.info)(`ha: ${e.message}`),
    ),
    ha.on('health', (e) =>
      e.healthy
        ? io.info('ha: healthy: keepalived may make this node master')
        : io.warn(`ha: unhealthy (${e.reasons.join(', ')}): keepalived lowers or faults this node`),
    ),
    ha.on('vipsRemoved', (e) => {
      if (e.addresses.length > 0) {
        io.warn(`ha: keepalived died holding ${e.addresses.join(', ')}: lbkit removed them`);
      }
      for (const failure of e.failures) io.warn(`ha: could not remove a stale VIP: ${failure}`);
    }),
    ha.on('conntrackd', (e) => (e.state === 'restarting' ? io.warn : io.info)(`ha: ${e.message}`)),
    ha.on('sync', (e) => {
      if (e.step === 'done') {
        (e.ok ? io.info : io.warn)(
          `ha: flow sync for ${e.role} ${e.ok ? 'done' : 'done with failures'} in ${e.ms} ms`,
        );
      } else if (!e.ok) io.warn(`ha: flow sync ${e.role}: ${e.step} failed: ${e.message ?? ''}`);
    }),
    ha.on('log', (e) =>
      io.info(e.line.startsWith('conntrackd: ') ? e.line : `keepalived: ${e.line}`),
    ),
    ha.on('problem', (e) => io.warn(`ha: ${e.message}`)),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/** Starts the HA node for a started balancer: logs attached, health followed. */
export async function startPairNode(
  config: HaConfig,
  balancer: Balancer,
  io: HaIo,
): Promise<Result<Ha, string>> {
  const guard = pairGuard(config);
  if (guard?.isErr()) return err(`takeover guard: ${guard.error}`);
  const created = createHa(config, guard?.isOk() ? { guard: guard.value } : {});
  if (created.isErr()) return err(created.error.message);
  const ha = created.value;
  attachPairLog(ha, io);
  ha.watch(balancer);
  const started = await ha.start();
  if (started.isErr()) return err(`${started.error.kind}: ${started.error.message}`);
  io.info(`ha: ${describePair(config)}`);
  return ok(ha);
}

/** The nftables SNAT addresses of a pair at level 2: the inner VIPs, one per family. */
export function innerSnat(config: HaConfig): { ipv4?: string; ipv6?: string } | undefined {
  const vips = config.inner?.vips ?? [];
  const v4 = vips.find((v) => v.family === 4)?.address;
  const v6 = vips.find((v) => v.family === 6)?.address;
  if (v4 === undefined && v6 === undefined) return undefined;
  return { ...(v4 !== undefined && { ipv4: v4 }), ...(v6 !== undefined && { ipv6: v6 }) };
}

/**
 * `--check` of an HA options file: every problem with `file:line`, then
 * keepalived's own verdict on the config it gives. True when both accept it.
 */
export async function checkPairFile(path: string, io: HaIo): Promise<boolean> {
  const loaded = await loadPairConfig(path);
  if (loaded.isErr()) {
    for (const line of loaded.error) io.warn(line);
    io.warn(`${loaded.error.length} problem(s) in ${path}`);
    return false;
  }
  const verdict = keepalivedCheck(loaded.value);
  if (verdict !== undefined && verdict.length > 0) {
    for (const line of verdict) io.warn(`${path}: keepalived -t: ${line}`);
    return false;
  }
  const sync = conntrackdCheck(loaded.value);
  const guard = pairGuard(loaded.value);
  if (guard?.isErr()) sync.push(`conntrackd.guard: ${guard.error}`);
  if (sync.length > 0) {
    for (const line of sync) io.warn(`${path}: ${line}`);
    return false;
  }
  const tested =
    verdict === undefined
      ? ' (keepalived not installed: not tested by keepalived -t)'
      : ', keepalived -t accepts it';
  io.info(`${path}: OK, ${describePair(loaded.value)}${tested}`);
  return true;
}

/** `--render-keepalived`: the keepalived.conf of an HA options file, or its problems. */
export async function renderPairFile(path: string): Promise<Result<string, string[]>> {
  const loaded = await loadPairConfig(path);
  return loaded.map(renderKeepalivedConf);
}

/**
 * `--render-conntrackd`: the conntrackd.conf of an HA options file's
 * `conntrackd` section (for `conntrackd.mode: attach` and the systemd unit),
 * or its problems.
 */
export async function renderPairConntrackd(path: string): Promise<Result<string, string[]>> {
  const loaded = await loadPairConfig(path);
  return loaded.andThen((config) =>
    config.conntrackd
      ? ok(renderConntrackdConf(config, config.conntrackd))
      : err([`${path}: has no conntrackd section`]),
  );
}
