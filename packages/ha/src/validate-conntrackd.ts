/**
 * The `conntrackd` section of the HA options -> `ConntrackdConfig`, or its
 * issues in the shared collector. Everything rendered into conntrackd.conf
 * passes one of these checks: addresses are parsed and printed canonical,
 * the interface and paths are plain tokens.
 * @module
 */
import { showValue } from '@lbkit/core';
import * as check from './checks.js';
import type { Collector } from './collector.js';
import { CONNTRACKD_DEFAULTS, type ConntrackdConfig, conntrackdFiles } from './options.js';

/** The keys of the `conntrackd` section. */
export const CONNTRACKD_KEYS = [
  'interface',
  'address',
  'peer',
  'port',
  'flows',
  'guard',
  'guardUdp',
  'guardTable',
  'mode',
  'binary',
  'restartDelay',
] as const;

/** Most `flows` entries. */
export const MAX_FLOW_FILTERS = 256;
/** Longest UNIX socket path (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;
const TABLE = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

function hostAddress(c: Collector, key: string, raw: unknown): check.Cidr | undefined {
  const cidr = check.parseCidr(raw);
  if (typeof cidr !== 'object' || cidr.prefix !== (cidr.family === 4 ? 32 : 128)) {
    c.add(['conntrackd', key], `must be an address, got ${showValue(raw)}`);
    return undefined;
  }
  return cidr;
}

/**
 * Validates the `conntrackd` section (`raw` undefined: none). `name` is the
 * options' validated name (the guard table's default), `runDir` the run
 * directory of its files.
 */
export function conntrackdSection(
  c: Collector,
  raw: unknown,
  name: string,
  runDir: string | undefined,
): ConntrackdConfig | undefined {
  const input = c.object(['conntrackd'], raw, CONNTRACKD_KEYS);
  if (!input) return undefined;
  const at = (key: string) => ['conntrackd', key];
  const before = c.issues.length;
  const ifname = c.take<string>(
    at('interface'),
    input['interface'],
    check.interfaceName(input['interface']),
  );
  const address = hostAddress(c, 'address', input['address']);
  const peer = hostAddress(c, 'peer', input['peer']);
  if (address && peer && address.family !== peer.family) {
    c.add(at('peer'), `must be IPv${address.family} like address, got ${peer.address}`);
  } else if (address && peer && address.address === peer.address) {
    c.add(at('peer'), `must differ from address ${address.address}`, 'duplicate');
  }
  const port =
    c.opt(at('port'), input['port'], CONNTRACKD_DEFAULTS.port, (v) => check.intIn(v, 1, 65_535)) ??
    CONNTRACKD_DEFAULTS.port;
  const flows: string[] = [];
  const rawFlows =
    input['flows'] === undefined ? [] : c.list(at('flows'), input['flows'], 1, MAX_FLOW_FILTERS);
  (rawFlows ?? []).forEach((text, i) => {
    const cidr = check.parseCidr(text);
    if (typeof cidr !== 'object') {
      c.add(['conntrackd', 'flows', i], cidr ?? 'is invalid');
      return;
    }
    const canonical = `${cidr.address}/${cidr.prefix}`;
    if (flows.includes(canonical))
      c.add(['conntrackd', 'flows', i], `repeats ${canonical}`, 'duplicate');
    else flows.push(canonical);
  });
  const guard = c.opt(at('guard'), input['guard'], CONNTRACKD_DEFAULTS.guard, check.bool) ?? true;
  const guardUdp =
    c.opt(at('guardUdp'), input['guardUdp'], CONNTRACKD_DEFAULTS.guardUdp, check.bool) ?? false;
  const guardTable =
    c.opt(at('guardTable'), input['guardTable'], `${name}_guard`, (v) =>
      typeof v === 'string' && TABLE.test(v)
        ? undefined
        : `must be a table name (a letter, then up to 31 letters, digits or "_"), got ${showValue(v)}`,
    ) ?? `${name}_guard`;
  const mode =
    c.opt(at('mode'), input['mode'], CONNTRACKD_DEFAULTS.mode, (v) =>
      check.oneOf(v, ['supervise', 'attach']),
    ) ?? CONNTRACKD_DEFAULTS.mode;
  const binary = c.opt(
    at('binary'),
    input['binary'],
    CONNTRACKD_DEFAULTS.binary,
    check.absolutePath,
  );
  const restartDelay = c.opt(
    at('restartDelay'),
    input['restartDelay'],
    CONNTRACKD_DEFAULTS.restartDelayMs,
    (v) => check.intIn(v, 10, 60_000),
  );
  const files = conntrackdFiles(runDir ?? '/');
  if (runDir !== undefined && files.socket.length > MAX_SOCKET_PATH) {
    c.add(
      ['keepalived', 'runDir'],
      `is too long for conntrackd's control socket ${files.socket} (UNIX paths: ${MAX_SOCKET_PATH} bytes at most)`,
    );
  }
  if (
    c.issues.length > before ||
    ifname === undefined ||
    address === undefined ||
    peer === undefined ||
    binary === undefined ||
    restartDelay === undefined
  )
    return undefined;
  return {
    interface: ifname,
    family: address.family,
    address: address.address,
    peer: peer.address,
    port,
    flows,
    guard,
    guardUdp,
    guardTable,
    mode,
    binary,
    restartDelayMs: restartDelay,
    files,
  };
}
