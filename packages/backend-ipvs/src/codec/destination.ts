import {
  type AttrSpec,
  attrBe16,
  attrBytes,
  attrNest,
  attrU8,
  attrU16,
  attrU32,
  decodeAttributes,
  type NetlinkError,
  type NlAttr,
  netlinkError,
  readBe16,
  readU8,
  readU16,
  readU32,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type {
  DestinationConfig,
  DestinationId,
  Family,
  ForwardMethod,
  IpvsDestination,
  TunnelConfig,
} from '../client/types.js';
import { IP_VS_CONN_F, IP_VS_TUNNEL_TYPE, IPVS_CMD_ATTR, IPVS_DEST_ATTR } from '../uapi.js';
import { afToFamily, decodeInetAddress, encodeInetAddress, familyToAf } from './address.js';
import { decodeStats, entryTail } from './stats.js';

const FORWARD: Readonly<Record<ForwardMethod, number>> = {
  masquerade: IP_VS_CONN_F.MASQ,
  local: IP_VS_CONN_F.LOCALNODE,
  tunnel: IP_VS_CONN_F.TUNNEL,
  route: IP_VS_CONN_F.DROUTE,
  bypass: IP_VS_CONN_F.BYPASS,
};

const TUNNEL: Readonly<Record<TunnelConfig['type'], number>> = {
  ipip: IP_VS_TUNNEL_TYPE.IPIP,
  gue: IP_VS_TUNNEL_TYPE.GUE,
  gre: IP_VS_TUNNEL_TYPE.GRE,
};

/** What the kernel reports for a tunnel destination created without tunnel settings. */
export const DEFAULT_TUNNEL: TunnelConfig = { type: 'ipip', port: 0, flags: 0 };

const nameOf = <K extends string>(table: Readonly<Record<K, number>>, n: number): K | undefined =>
  (Object.keys(table) as K[]).find((k) => table[k] === n);

const invalid = (message: string): Result<never, NetlinkError> =>
  err(netlinkError('invalid', message));

const u32ok = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** Validates a destination id and (optionally) its configuration. */
export function validateDestination(
  id: DestinationId,
  config?: DestinationConfig,
): Result<void, NetlinkError> {
  const address = destinationAddress(id);
  if (address.isErr()) return err(address.error);
  return config ? validateDestinationConfig(config) : ok(undefined);
}

/** A destination id's address as `union nf_inet_addr`, after checking its port. */
function destinationAddress(id: DestinationId): Result<Uint8Array, NetlinkError> {
  if (!Number.isInteger(id.port) || id.port < 0 || id.port > 65535)
    return invalid(`bad port ${id.port}`);
  return encodeInetAddress(id.family, id.address, id.parsed);
}

function validateDestinationConfig(config: DestinationConfig): Result<void, NetlinkError> {
  if (!(config.forward in FORWARD))
    return invalid(`bad forwarding method ${String(config.forward)}`);
  if (!Number.isInteger(config.weight) || config.weight < 0 || config.weight > 0x7fffffff) {
    return invalid(`bad weight ${config.weight}`);
  }
  if (!u32ok(config.upperThreshold) || !u32ok(config.lowerThreshold)) {
    return invalid('bad connection thresholds');
  }
  const t = config.tunnel;
  if (t && config.forward !== 'tunnel') return invalid('tunnel settings need forward: tunnel');
  if (t && (!(t.type in TUNNEL) || !Number.isInteger(t.port) || t.port < 0 || t.port > 65535)) {
    return invalid('bad tunnel configuration');
  }
  return ok(undefined);
}

/** The attributes nested in IPVS_CMD_ATTR_DEST: identity, then configuration when given. */
export function destinationAttributes(
  id: DestinationId,
  config?: DestinationConfig,
): Result<AttrSpec[], NetlinkError> {
  const address = destinationAddress(id);
  if (address.isErr()) return err(address.error);
  const attrs: AttrSpec[] = [
    attrBytes(IPVS_DEST_ATTR.ADDR, address.value),
    attrBe16(IPVS_DEST_ATTR.PORT, id.port),
  ];
  if (config) {
    const checked = validateDestinationConfig(config);
    if (checked.isErr()) return err(checked.error);
    attrs.push(attrU32(IPVS_DEST_ATTR.FWD_METHOD, FORWARD[config.forward]));
    attrs.push(attrU32(IPVS_DEST_ATTR.WEIGHT, config.weight));
    if (config.forward === 'tunnel') {
      const tunnel = config.tunnel ?? DEFAULT_TUNNEL;
      attrs.push(attrU8(IPVS_DEST_ATTR.TUN_TYPE, TUNNEL[tunnel.type]));
      attrs.push(attrBe16(IPVS_DEST_ATTR.TUN_PORT, tunnel.port));
      attrs.push(attrU16(IPVS_DEST_ATTR.TUN_FLAGS, tunnel.flags));
    }
    attrs.push(attrU32(IPVS_DEST_ATTR.U_THRESH, config.upperThreshold));
    attrs.push(attrU32(IPVS_DEST_ATTR.L_THRESH, config.lowerThreshold));
  }
  attrs.push(attrU16(IPVS_DEST_ATTR.ADDR_FAMILY, familyToAf(id.family)));
  return ok(attrs);
}

/** IPVS_CMD_ATTR_DEST for a request. */
export const encodeDestinationRequest = (
  id: DestinationId,
  config?: DestinationConfig,
): Result<AttrSpec, NetlinkError> =>
  destinationAttributes(id, config).map((children) => attrNest(IPVS_CMD_ATTR.DEST, children));

/** IPVS_CMD_ATTR_DEST as the kernel dumps it (with connection counts and stats). */
export function encodeDestinationEntry(dest: IpvsDestination): Result<AttrSpec, NetlinkError> {
  return destinationAttributes(dest.id, dest.config).map((children) => {
    const all = [...children];
    all.push(attrU32(IPVS_DEST_ATTR.ACTIVE_CONNS, dest.activeConnections ?? 0));
    all.push(attrU32(IPVS_DEST_ATTR.INACT_CONNS, dest.inactiveConnections ?? 0));
    all.push(attrU32(IPVS_DEST_ATTR.PERSIST_CONNS, dest.persistentConnections ?? 0));
    const tail = entryTail(
      { stats: IPVS_DEST_ATTR.STATS, stats64: IPVS_DEST_ATTR.STATS64 },
      dest.stats,
      dest.unknownAttributes,
    );
    return attrNest(IPVS_CMD_ATTR.DEST, all.concat(tail));
  });
}

const KNOWN = new Set<number>(Object.values(IPVS_DEST_ATTR));

/**
 * Decodes the attributes nested in IPVS_CMD_ATTR_DEST. IPVS_DEST_ATTR_ADDR_FAMILY
 * is missing on kernels before 4.x: then the service's `family` is used.
 * Connection counts are reported only when present; tunnel settings only for
 * `forward: 'tunnel'` (ipip/0/0 when the kernel sent none). Never throws.
 */
export function decodeDestinationAttributes(
  bytes: Uint8Array,
  serviceFamily: Family,
): Result<IpvsDestination, NetlinkError> {
  const list = decodeAttributes(bytes);
  if (list.isErr()) return err(list.error);
  const by = new Map<number, NlAttr>();
  const unknown: NlAttr[] = [];
  for (const a of list.value) {
    if (KNOWN.has(a.type)) by.set(a.type, a);
    else unknown.push({ type: a.type, value: a.value.slice() });
  }
  const afAttr = by.get(IPVS_DEST_ATTR.ADDR_FAMILY);
  const family = afAttr ? afToFamily(readU16(afAttr) ?? -1) : serviceFamily;
  if (!family) return err(netlinkError('parse', 'destination with an unknown address family'));
  const addrAttr = by.get(IPVS_DEST_ATTR.ADDR);
  const portAttr = by.get(IPVS_DEST_ATTR.PORT);
  const port = portAttr && readBe16(portAttr);
  if (!addrAttr || port === undefined)
    return err(netlinkError('parse', 'destination without address/port'));
  const address = decodeInetAddress(family, addrAttr.value);
  if (address.isErr()) return err(address.error);
  const u32 = (type: number): number | undefined => {
    const a = by.get(type);
    return a ? readU32(a) : undefined;
  };
  const forward = nameOf(FORWARD, (u32(IPVS_DEST_ATTR.FWD_METHOD) ?? 0) & IP_VS_CONN_F.FWD_MASK);
  if (!forward) return err(netlinkError('parse', 'destination with an unknown forwarding method'));
  const tunType = by.get(IPVS_DEST_ATTR.TUN_TYPE);
  const tunPort = by.get(IPVS_DEST_ATTR.TUN_PORT);
  const tunFlags = by.get(IPVS_DEST_ATTR.TUN_FLAGS);
  // Kernels 5.3+ dump the tunnel fields for every destination: meaningful only for tunnels.
  const tunnelType =
    tunType && forward === 'tunnel' ? nameOf(TUNNEL, readU8(tunType) ?? -1) : undefined;
  const config: DestinationConfig = {
    forward,
    weight: u32(IPVS_DEST_ATTR.WEIGHT) ?? 0,
    upperThreshold: u32(IPVS_DEST_ATTR.U_THRESH) ?? 0,
    lowerThreshold: u32(IPVS_DEST_ATTR.L_THRESH) ?? 0,
    ...(forward === 'tunnel' && !tunnelType ? { tunnel: DEFAULT_TUNNEL } : {}),
    ...(tunnelType
      ? {
          tunnel: {
            type: tunnelType,
            port: (tunPort && readBe16(tunPort)) ?? 0,
            flags: (tunFlags && readU16(tunFlags)) ?? 0,
          },
        }
      : {}),
  };
  const statsAttr = by.get(IPVS_DEST_ATTR.STATS64) ?? by.get(IPVS_DEST_ATTR.STATS);
  const decodedStats = statsAttr ? decodeStats(statsAttr.value) : undefined;
  if (decodedStats?.isErr()) return err(decodedStats.error);
  const stats = decodedStats?.isOk() ? decodedStats.value : undefined;
  const active = u32(IPVS_DEST_ATTR.ACTIVE_CONNS);
  const inactive = u32(IPVS_DEST_ATTR.INACT_CONNS);
  const persistent = u32(IPVS_DEST_ATTR.PERSIST_CONNS);
  return ok({
    id: { family, address: address.value, port },
    config,
    ...(active === undefined ? {} : { activeConnections: active }),
    ...(inactive === undefined ? {} : { inactiveConnections: inactive }),
    ...(persistent === undefined ? {} : { persistentConnections: persistent }),
    ...(stats ? { stats } : {}),
    ...(unknown.length > 0 ? { unknownAttributes: unknown } : {}),
  });
}
