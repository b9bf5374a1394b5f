/**
 * `HaInput` (loose, e.g. parsed YAML) -> `HaConfig`, or every problem at once
 * as `ConfigIssue`s with the path of the offending value and, when the input
 * came from a file, its line. Never throws; nothing is half-validated.
 * @module
 */
import {
  type ConfigIssue,
  configIssue,
  type SourceMap,
  type SourcePath,
  showValue,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import * as check from './checks.js';
import { Collector, isObject } from './collector.js';
import { keepalivedNames } from './names.js';
import {
  HA_DEFAULTS,
  type HaConfig,
  haFiles,
  type Vip,
  type VrrpAuthInput,
  type VrrpSide,
} from './options.js';
import { CONNTRACKD_KEYS, conntrackdSection } from './validate-conntrackd.js';

/** The keys each object accepts (anything else is an `unknown field`). */
export const HA_KEYS = {
  root: [
    'name',
    'routerId',
    'priority',
    'version',
    'advertInterval',
    'preempt',
    'preemptDelay',
    'authentication',
    'service',
    'inner',
    'trackInterfaces',
    'track',
    'keepalived',
    'conntrackd',
  ],
  side: ['interface', 'virtualRouterId', 'vips', 'unicastPeers', 'unicastSource'],
  authentication: ['type', 'password'],
  track: ['weight', 'emptyServices', 'processName'],
  keepalived: ['mode', 'binary', 'runDir', 'netns', 'launchNetns', 'restartDelay'],
  conntrackd: CONNTRACKD_KEYS,
} as const;

/** Most VIPs on one side. */
export const MAX_VIPS = 64;
/** Most unicast peers of one side. */
export const MAX_PEERS = 16;

function side(
  c: Collector,
  path: SourcePath,
  raw: unknown,
  instance: string,
): VrrpSide | undefined {
  if (raw === undefined) {
    c.add(path, 'is missing');
    return undefined;
  }
  const input = c.object(path, raw, HA_KEYS.side);
  if (!input) return undefined;
  const ifname = c.take<string>(
    [...path, 'interface'],
    input['interface'],
    check.interfaceName(input['interface']),
  );
  const vrid = c.take<number>(
    [...path, 'virtualRouterId'],
    input['virtualRouterId'],
    check.intIn(input['virtualRouterId'], 1, 255),
  );
  const vips: Vip[] = [];
  const rawVips = c.list([...path, 'vips'], input['vips'], 1, MAX_VIPS) ?? [];
  rawVips.forEach((text, i) => {
    const cidr = check.parseCidr(text);
    if (typeof cidr === 'string' || cidr === undefined) {
      c.add([...path, 'vips', i], cidr ?? 'is invalid');
      return;
    }
    if (vips.some((v) => v.address === cidr.address)) {
      c.add([...path, 'vips', i], `repeats ${cidr.address}`, 'duplicate');
      return;
    }
    vips.push({ ...cidr, interface: ifname ?? '' });
  });
  const family = vips[0]?.family ?? 4;
  const peers: string[] = [];
  const rawPeers = c.list([...path, 'unicastPeers'], input['unicastPeers'], 0, MAX_PEERS) ?? [];
  rawPeers.forEach((text, i) => {
    const cidr = check.parseCidr(text);
    if (typeof cidr !== 'object' || cidr.prefix !== (cidr.family === 4 ? 32 : 128)) {
      c.add([...path, 'unicastPeers', i], `must be an address, got ${showValue(text)}`);
    } else if (cidr.family !== family) {
      c.add(
        [...path, 'unicastPeers', i],
        `must be IPv${family} like the first VIP (the adverts' family), got ${cidr.address}`,
      );
    } else if (peers.includes(cidr.address)) {
      c.add([...path, 'unicastPeers', i], `repeats ${cidr.address}`, 'duplicate');
    } else peers.push(cidr.address);
  });
  let source: string | undefined;
  if (input['unicastSource'] !== undefined) {
    const cidr = check.parseCidr(input['unicastSource']);
    if (
      typeof cidr !== 'object' ||
      cidr.family !== family ||
      cidr.prefix !== (family === 4 ? 32 : 128)
    ) {
      c.add(
        [...path, 'unicastSource'],
        `must be an IPv${family} address (the adverts' family), got ${showValue(input['unicastSource'])}`,
      );
    } else if (peers.length === 0) {
      c.add([...path, 'unicastSource'], 'needs unicastPeers');
    } else source = cidr.address;
  }
  if (ifname === undefined || vrid === undefined || vips.length !== rawVips.length)
    return undefined;
  return {
    instance,
    interface: ifname,
    virtualRouterId: vrid,
    family,
    vips,
    unicastPeers: peers,
    ...(source !== undefined && { unicastSource: source }),
  };
}

function advertInterval(c: Collector, raw: unknown, version: 2 | 3): number | undefined {
  if (raw === undefined) {
    return version === 3 ? HA_DEFAULTS.advertIntervalV3Ms : HA_DEFAULTS.advertIntervalV2Ms;
  }
  const path = ['advertInterval'];
  if (version === 3) {
    const ms = c.take<number>(path, raw, check.intIn(raw, 10, 40_950));
    if (ms !== undefined && ms % 10 !== 0) {
      c.add(path, `must be a multiple of 10 ms (VRRPv3 counts centiseconds), got ${ms}`);
      return undefined;
    }
    return ms;
  }
  const ms = c.take<number>(path, raw, check.intIn(raw, 1000, 255_000));
  if (ms !== undefined && ms % 1000 !== 0) {
    c.add(
      path,
      `must be whole seconds with VRRPv2 (use version 3 for sub-second adverts), got ${ms}`,
    );
    return undefined;
  }
  return ms;
}

function authentication(c: Collector, raw: unknown, version: 2 | 3): VrrpAuthInput | undefined {
  const input = c.object(['authentication'], raw, HA_KEYS.authentication);
  if (!input) return undefined;
  if (version === 3) {
    c.add(
      ['authentication'],
      'is VRRPv2 only (VRRPv3, RFC 5798, has none): set version: 2 or remove it',
    );
    return undefined;
  }
  c.take(['authentication', 'type'], input['type'], check.oneOf(input['type'], ['PASS']));
  const pass = c.take<string>(
    ['authentication', 'password'],
    input['password'],
    check.password(input['password']),
  );
  return pass === undefined ? undefined : { type: 'PASS', password: pass };
}

function emptyServices(c: Collector, raw: unknown): boolean | readonly string[] {
  const path = ['track', 'emptyServices'];
  if (raw === undefined) return false;
  if (typeof raw === 'boolean') return raw;
  const list = c.list(path, raw, 1, 4096);
  if (!list) return false;
  const names: string[] = [];
  list.forEach((n, i) => {
    const ok = c.take<string>([...path, i], n, check.name(n));
    if (ok !== undefined) names.push(ok);
  });
  return names;
}

function crossChecks(
  c: Collector,
  service: VrrpSide,
  inner: VrrpSide | undefined,
  version: 2 | 3,
): void {
  for (const [key, s] of [
    ['service', service],
    ['inner', inner],
  ] as const) {
    if (s && version === 2 && s.family === 6) {
      c.add([key, 'vips', 0], 'is IPv6: VRRPv2 adverts are IPv4 only, use version 3');
    }
  }
  if (!inner) return;
  if (inner.interface === service.interface && inner.virtualRouterId === service.virtualRouterId) {
    c.add(
      ['inner', 'virtualRouterId'],
      `repeats service.virtualRouterId on the same interface ${inner.interface}`,
      'duplicate',
    );
  }
  inner.vips.forEach((vip, i) => {
    if (service.vips.some((v) => v.address === vip.address)) {
      c.add(['inner', 'vips', i], `repeats service VIP ${vip.address}`, 'duplicate');
    }
  });
}

/** Configs made by `validateHaOptions`: only these are used without validating again. */
const validated = new WeakSet<object>();

/** True when `value` is a config `validateHaOptions` returned (not one built by hand). */
export const isValidatedConfig = (value: unknown): value is HaConfig =>
  typeof value === 'object' && value !== null && validated.has(value);

/**
 * Validates HA options. `sources` (from `parseHaConfig`) puts `file:line` into
 * every issue. Fails with every problem found; never throws.
 */
export function validateHaOptions(
  input: unknown,
  sources?: SourceMap,
): Result<HaConfig, readonly ConfigIssue[]> {
  const c = new Collector(sources);
  if (!isObject(input)) {
    c.add([], `HA options must be an object with priority and service, got ${showValue(input)}`);
    return err(c.issues);
  }
  c.keys([], input, HA_KEYS.root);
  const name = c.opt(['name'], input['name'], HA_DEFAULTS.name, check.name) ?? HA_DEFAULTS.name;
  const names = keepalivedNames(name);
  const routerId = c.opt<string | undefined>(['routerId'], input['routerId'], undefined, (v) =>
    v === undefined ? undefined : check.name(v),
  );
  const priority = c.take<number>(
    ['priority'],
    input['priority'],
    check.intIn(input['priority'], 1, 254),
  );
  const version =
    c.opt(['version'], input['version'], HA_DEFAULTS.version, (v) => check.oneOf(v, [2, 3])) ?? 3;
  const advert = advertInterval(c, input['advertInterval'], version);
  const preempt = c.opt(['preempt'], input['preempt'], HA_DEFAULTS.preempt, check.bool) ?? true;
  const preemptDelay = c.opt(
    ['preemptDelay'],
    input['preemptDelay'],
    HA_DEFAULTS.preemptDelayMs,
    (v) => check.intIn(v, 0, 1_000_000),
  );
  if (!preempt && (preemptDelay ?? 0) > 0) {
    c.add(['preemptDelay'], 'needs preempt: true (nopreempt never preempts)');
  }
  const auth =
    input['authentication'] === undefined
      ? undefined
      : authentication(c, input['authentication'], version);
  const service = side(c, ['service'], input['service'], names.serviceInstance);
  const inner =
    input['inner'] === undefined
      ? undefined
      : side(c, ['inner'], input['inner'], names.innerInstance);
  if (service) crossChecks(c, service, inner, version);

  const trackInterfaces: string[] = [];
  (c.list(['trackInterfaces'], input['trackInterfaces'], 0, 8) ?? []).forEach((ifname, i) => {
    const ok = c.take<string>(['trackInterfaces', i], ifname, check.interfaceName(ifname));
    const own = [service, inner].find((s) => s?.interface === ok);
    if (own) {
      // keepalived refuses a sync group tracking an interface one of its instances runs on.
      c.add(
        ['trackInterfaces', i],
        `is already tracked: it is the ${own === service ? 'service' : 'inner'} side's interface`,
      );
    } else if (ok !== undefined && !trackInterfaces.includes(ok)) trackInterfaces.push(ok);
  });

  const track = c.object(['track'], input['track'], HA_KEYS.track) ?? {};
  const weight =
    c.opt(['track', 'weight'], track['weight'], HA_DEFAULTS.trackWeight, (v) =>
      check.intIn(v, 0, 253),
    ) ?? 0;
  if (priority !== undefined && priority + weight > 254) {
    c.add(
      ['track', 'weight'],
      `plus priority ${priority} must be <= 254 (keepalived caps the priority: the weight would be lost), got ${weight}`,
    );
  }
  const empty = emptyServices(c, track['emptyServices']);
  const processName =
    c.opt(
      ['track', 'processName'],
      track['processName'],
      HA_DEFAULTS.processName,
      check.processName,
    ) ?? HA_DEFAULTS.processName;

  const ka = c.object(['keepalived'], input['keepalived'], HA_KEYS.keepalived) ?? {};
  const mode =
    c.opt(['keepalived', 'mode'], ka['mode'], HA_DEFAULTS.mode, (v) =>
      check.oneOf(v, ['supervise', 'attach']),
    ) ?? HA_DEFAULTS.mode;
  const binary = c.opt(
    ['keepalived', 'binary'],
    ka['binary'],
    HA_DEFAULTS.binary,
    check.absolutePath,
  );
  const runDir = c.opt(
    ['keepalived', 'runDir'],
    ka['runDir'],
    HA_DEFAULTS.runDir,
    check.absolutePath,
  );
  const netns = c.opt<string | undefined>(['keepalived', 'netns'], ka['netns'], undefined, (v) =>
    v === undefined ? undefined : check.netnsName(v),
  );
  const launchNetns = c.opt<string | undefined>(
    ['keepalived', 'launchNetns'],
    ka['launchNetns'],
    undefined,
    (v) => (v === undefined ? undefined : check.netnsName(v)),
  );
  const restartDelay = c.opt(
    ['keepalived', 'restartDelay'],
    ka['restartDelay'],
    HA_DEFAULTS.restartDelayMs,
    (v) => check.intIn(v, 10, 60_000),
  );
  const conntrackd =
    input['conntrackd'] === undefined
      ? undefined
      : conntrackdSection(c, input['conntrackd'], name, runDir);

  if (
    c.issues.length > 0 ||
    priority === undefined ||
    advert === undefined ||
    preemptDelay === undefined ||
    service === undefined ||
    binary === undefined ||
    runDir === undefined ||
    restartDelay === undefined
  ) {
    return err(
      c.issues.length > 0
        ? c.issues
        : [configIssue('invalid', 'HA options are invalid', [], sources)],
    );
  }
  const config: HaConfig = {
    name,
    ...(routerId !== undefined && { routerId }),
    priority,
    version,
    advertIntervalMs: advert,
    preempt,
    preemptDelayMs: preemptDelay,
    ...(auth !== undefined && { authentication: auth }),
    service,
    ...(inner !== undefined && { inner, syncGroup: names.group }),
    trackInterfaces,
    trackWeight: weight,
    emptyServices: empty,
    processName,
    trackFileName: names.trackFile,
    trackProcessName: names.trackProcess,
    mode,
    binary,
    ...(netns !== undefined && { netns }),
    ...(launchNetns !== undefined && { launchNetns }),
    restartDelayMs: restartDelay,
    files: haFiles(runDir),
    ...(conntrackd !== undefined && { conntrackd }),
  };
  validated.add(config);
  return ok(config);
}
