import {
  type AttrSpec,
  attrU32,
  decodeAttributes,
  indexAttributes,
  type NetlinkError,
  netlinkError,
  readU32,
} from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { IpvsInfo } from '../client/types.js';
import { IPVS_INFO_ATTR } from '../uapi.js';

/** `0x010201` -> `1.2.1` (NVERSION in ip_vs.h). */
export const formatVersion = (code: number): string =>
  `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`;

/** `1.2.1` -> `0x010201`; `undefined` when not three numbers 0..255. */
export function parseVersion(text: string): number | undefined {
  const parts = text.split('.').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    return undefined;
  }
  return (parts[0]! << 16) | (parts[1]! << 8) | parts[2]!;
}

/** Top-level attributes of an IPVS_CMD_GET_INFO reply (for fixtures and fakes). */
export function encodeInfo(info: IpvsInfo): Result<AttrSpec[], NetlinkError> {
  const code = parseVersion(info.version);
  if (code === undefined) return err(netlinkError('invalid', `bad version ${info.version}`));
  return ok([
    attrU32(IPVS_INFO_ATTR.VERSION, code),
    attrU32(IPVS_INFO_ATTR.CONN_TAB_SIZE, info.connectionTableSize),
  ]);
}

/** Decodes the attributes of an IPVS_CMD_GET_INFO reply. Never throws. */
export function decodeInfo(attributes: Uint8Array): Result<IpvsInfo, NetlinkError> {
  return decodeAttributes(attributes).andThen((list) => {
    const by = indexAttributes(list);
    const version = by.get(IPVS_INFO_ATTR.VERSION);
    const size = by.get(IPVS_INFO_ATTR.CONN_TAB_SIZE);
    const code = version && readU32(version);
    if (code === undefined) return err(netlinkError('parse', 'info reply without a version'));
    return ok({
      version: formatVersion(code),
      connectionTableSize: (size && readU32(size)) ?? 0,
    });
  });
}
