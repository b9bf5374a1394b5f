import {
  type AttrSpec,
  attrBe16,
  attrBe32,
  attrBytes,
  attrNest,
  attrString,
  attrU16,
  attrU32,
  decodeAttributes,
  type NetlinkError,
  type NlAttr,
  netlinkError,
  readBe16,
  readBe32,
  readString,
  readU16,
  readU32,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import {
  type IpvsProtocol,
  type IpvsService,
  isFwmarkService,
  type ServiceConfig,
  type ServiceId,
} from '../client/types.js';
import { IP_VS_LIMITS, IPPROTO, IPVS_CMD_ATTR, IPVS_SVC_ATTR } from '../uapi.js';
import { afToFamily, decodeInetAddress, encodeInetAddress, familyToAf } from './address.js';
import {
  decodeFlags,
  decodeFlagsStruct,
  encodeFlags,
  encodeFlagsStruct,
  normalizeFlags,
} from './flags.js';
import { decodeStats, entryTail } from './stats.js';

const PROTOCOLS: Readonly<Record<IpvsProtocol, number>> = {
  tcp: IPPROTO.TCP,
  udp: IPPROTO.UDP,
  sctp: IPPROTO.SCTP,
};

const protocolName = (n: number): IpvsProtocol | undefined =>
  (Object.keys(PROTOCOLS) as IpvsProtocol[]).find((p) => PROTOCOLS[p] === n);

const invalid = (message: string): Result<never, NetlinkError> =>
  err(netlinkError('invalid', message));

/** Prefix length -> the 4-byte value of IPVS_SVC_ATTR_NETMASK for the family. */
export function encodeNetmask(family: 4 | 6, prefix: number): AttrSpec {
  if (family === 6) return attrU32(IPVS_SVC_ATTR.NETMASK, prefix); // the kernel reads a plain plen
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return attrBe32(IPVS_SVC_ATTR.NETMASK, mask);
}

function decodeNetmask(family: 4 | 6, a: NlAttr): number {
  if (family === 6) return readU32(a) ?? 128;
  const mask = readBe32(a) ?? 0xffffffff;
  let prefix = 0;
  while (prefix < 32 && (mask & (0x80000000 >>> prefix)) !== 0) prefix++;
  return prefix;
}

/**
 * Checks a service id; the codec never sends what it cannot describe
 * exactly. Its address as `union nf_inet_addr` (empty for fwmark services).
 */
function checkedServiceId(id: ServiceId): Result<Uint8Array, NetlinkError> {
  if (id.family !== 4 && id.family !== 6) return invalid(`bad family ${String(id.family)}`);
  if (isFwmarkService(id)) {
    return Number.isInteger(id.fwmark) && id.fwmark > 0 && id.fwmark <= 0xffffffff
      ? ok(new Uint8Array(0))
      : invalid(`bad fwmark ${id.fwmark}`);
  }
  if (!(id.protocol in PROTOCOLS)) return invalid(`bad protocol ${String(id.protocol)}`);
  if (!Number.isInteger(id.port) || id.port < 0 || id.port > 65535)
    return invalid(`bad port ${id.port}`);
  return encodeInetAddress(id.family, id.address, id.parsed);
}

/** Validates a service id; the codec never sends what it cannot describe exactly. */
export const validateServiceId = (id: ServiceId): Result<void, NetlinkError> =>
  checkedServiceId(id).map(() => undefined);

/** Validates a service configuration (scheduler name, netmask range, timeout). */
export function validateServiceConfig(
  id: ServiceId,
  config: ServiceConfig,
): Result<void, NetlinkError> {
  if (
    !/^[a-z0-9_-]+$/i.test(config.scheduler) ||
    config.scheduler.length >= IP_VS_LIMITS.SCHEDNAME_MAXLEN
  ) {
    return invalid(`bad scheduler name ${JSON.stringify(config.scheduler)}`);
  }
  const pe = config.persistenceEngine;
  if (pe !== undefined && (!/^[a-z0-9_-]+$/i.test(pe) || pe.length >= IP_VS_LIMITS.PENAME_MAXLEN)) {
    return invalid(`bad persistence engine ${JSON.stringify(pe)}`);
  }
  const maxPrefix = id.family === 6 ? 128 : 32;
  const minPrefix = id.family === 6 ? 1 : 0;
  if (
    !Number.isInteger(config.netmask) ||
    config.netmask < minPrefix ||
    config.netmask > maxPrefix
  ) {
    return invalid(`bad netmask /${config.netmask} for IPv${id.family}`);
  }
  if (!Number.isInteger(config.timeout) || config.timeout < 0 || config.timeout > 0xffffffff) {
    return invalid(`bad timeout ${config.timeout}`);
  }
  return ok(undefined);
}

/** A service's identity attributes (AF, then FWMARK or PROTOCOL, ADDR, PORT), validated. */
function identityAttributes(id: ServiceId): Result<readonly AttrSpec[], NetlinkError> {
  const address = checkedServiceId(id);
  if (address.isErr()) return err(address.error);
  const af = attrU16(IPVS_SVC_ATTR.AF, familyToAf(id.family));
  if (isFwmarkService(id)) return ok([af, attrU32(IPVS_SVC_ATTR.FWMARK, id.fwmark)]);
  return ok([
    af,
    attrU16(IPVS_SVC_ATTR.PROTOCOL, PROTOCOLS[id.protocol]),
    attrBytes(IPVS_SVC_ATTR.ADDR, address.value),
    attrBe16(IPVS_SVC_ATTR.PORT, id.port),
  ]);
}

/** IPVS_CMD_ATTR_SERVICE holding a service's identity alone: what a destination request carries. */
type IdentityNest = { readonly type: number; readonly children: readonly AttrSpec[] };

/**
 * Identity nests by id object, made once: ids are immutable and shared
 * between applies (the backend keeps them by identity), and a service's
 * destination requests all carry its identity.
 */
const identities = new WeakMap<ServiceId, Result<IdentityNest, NetlinkError>>();

function identityOf(id: ServiceId): Result<IdentityNest, NetlinkError> {
  let known = identities.get(id);
  if (known === undefined) {
    known = identityAttributes(id).map((children) => ({ type: IPVS_CMD_ATTR.SERVICE, children }));
    identities.set(id, known);
  }
  return known;
}

/** The attributes nested in IPVS_CMD_ATTR_SERVICE: identity, then configuration when given. */
export function serviceAttributes(
  id: ServiceId,
  config?: ServiceConfig,
): Result<AttrSpec[], NetlinkError> {
  const identity = identityOf(id);
  if (identity.isErr()) return err(identity.error);
  const attrs: AttrSpec[] = [...identity.value.children];
  if (config) {
    const checked = validateServiceConfig(id, config);
    if (checked.isErr()) return err(checked.error);
    attrs.push(attrString(IPVS_SVC_ATTR.SCHED_NAME, config.scheduler));
    if (config.persistenceEngine !== undefined) {
      attrs.push(attrString(IPVS_SVC_ATTR.PE_NAME, config.persistenceEngine));
    }
    attrs.push(attrBytes(IPVS_SVC_ATTR.FLAGS, encodeFlagsStruct(encodeFlags(config.flags))));
    attrs.push(attrU32(IPVS_SVC_ATTR.TIMEOUT, config.timeout));
    attrs.push(encodeNetmask(id.family, config.netmask));
  }
  return ok(attrs);
}

/** IPVS_CMD_ATTR_SERVICE for a request (the identity alone without `config`). */
export function encodeServiceRequest(
  id: ServiceId,
  config?: ServiceConfig,
): Result<AttrSpec, NetlinkError> {
  if (!config) return identityOf(id);
  return serviceAttributes(id, config).map((children) => attrNest(IPVS_CMD_ATTR.SERVICE, children));
}

/**
 * IPVS_CMD_ATTR_SERVICE as the kernel dumps it (identity, config, STATS, STATS64,
 * then unknown attributes): for fixtures, fakes and round-trip tests.
 */
export function encodeServiceEntry(service: IpvsService): Result<AttrSpec, NetlinkError> {
  return serviceAttributes(service.id, service.config).map((children) => {
    const tail = entryTail(
      { stats: IPVS_SVC_ATTR.STATS, stats64: IPVS_SVC_ATTR.STATS64 },
      service.stats,
      service.unknownAttributes,
    );
    return attrNest(IPVS_CMD_ATTR.SERVICE, children.concat(tail));
  });
}

const KNOWN = new Set<number>(Object.values(IPVS_SVC_ATTR));

/**
 * Decodes the attributes nested in IPVS_CMD_ATTR_SERVICE (a dump entry or a
 * request). Identity is required; configuration fields default when absent
 * (identity-only requests). STATS64 wins over STATS. Never throws.
 */
export function decodeServiceAttributes(bytes: Uint8Array): Result<IpvsService, NetlinkError> {
  const list = decodeAttributes(bytes);
  if (list.isErr()) return err(list.error);
  const by = new Map<number, NlAttr>();
  const unknown: NlAttr[] = [];
  for (const a of list.value) {
    if (KNOWN.has(a.type)) by.set(a.type, a);
    else unknown.push({ type: a.type, value: a.value.slice() });
  }
  const afAttr = by.get(IPVS_SVC_ATTR.AF);
  const family = afAttr && afToFamily(readU16(afAttr) ?? -1);
  if (!family) return err(netlinkError('parse', 'service without a known address family'));
  let id: ServiceId;
  const fwmarkAttr = by.get(IPVS_SVC_ATTR.FWMARK);
  const fwmark = fwmarkAttr ? (readU32(fwmarkAttr) ?? 0) : 0;
  if (fwmark !== 0) {
    id = { family, fwmark };
  } else {
    const protoAttr = by.get(IPVS_SVC_ATTR.PROTOCOL);
    const addrAttr = by.get(IPVS_SVC_ATTR.ADDR);
    const portAttr = by.get(IPVS_SVC_ATTR.PORT);
    const protocol = protoAttr && protocolName(readU16(protoAttr) ?? -1);
    const port = portAttr && readBe16(portAttr);
    if (!protocol || !addrAttr || port === undefined) {
      return err(netlinkError('parse', 'service without fwmark or protocol/address/port'));
    }
    const address = decodeInetAddress(family, addrAttr.value);
    if (address.isErr()) return err(address.error);
    id = { family, protocol, address: address.value, port };
  }
  const sched = by.get(IPVS_SVC_ATTR.SCHED_NAME);
  const flagsAttr = by.get(IPVS_SVC_ATTR.FLAGS);
  const timeout = by.get(IPVS_SVC_ATTR.TIMEOUT);
  const netmask = by.get(IPVS_SVC_ATTR.NETMASK);
  const pe = by.get(IPVS_SVC_ATTR.PE_NAME);
  const flagBits = flagsAttr ? (decodeFlagsStruct(flagsAttr.value)?.flags ?? 0) : 0;
  const config: ServiceConfig = {
    scheduler: sched ? readString(sched) : '',
    flags: normalizeFlags(decodeFlags(flagBits)),
    timeout: timeout ? (readU32(timeout) ?? 0) : 0,
    netmask: netmask ? decodeNetmask(family, netmask) : family === 6 ? 128 : 32,
    ...(pe ? { persistenceEngine: readString(pe) } : {}),
  };
  const statsAttr = by.get(IPVS_SVC_ATTR.STATS64) ?? by.get(IPVS_SVC_ATTR.STATS);
  const decodedStats = statsAttr ? decodeStats(statsAttr.value) : undefined;
  if (decodedStats?.isErr()) return err(decodedStats.error);
  const stats = decodedStats?.isOk() ? decodedStats.value : undefined;
  return ok({
    id,
    config,
    ...(stats ? { stats } : {}),
    ...(unknown.length > 0 ? { unknownAttributes: unknown } : {}),
  });
}
