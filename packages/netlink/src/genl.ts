import { err, ok, type Result } from 'neverthrow';
import {
  type AttrSpec,
  attrString,
  decodeAttributes,
  indexAttributes,
  readU16,
  readU32,
} from './attributes.js';
import type { NetlinkConnection } from './connection.js';
import { type NetlinkError, netlinkError } from './errors.js';
import { decodeGenl, encodeGenlAttributes } from './message.js';
import { GENL } from './uapi.js';

/** A resolved generic netlink family. */
export interface GenlFamily {
  readonly name: string;
  /** Dynamic netlink message type assigned by the kernel. */
  readonly id: number;
  readonly version: number;
  readonly maxAttr: number;
}

/** Encodes the nlctrl CTRL_CMD_GETFAMILY request payload for `name`. */
export function encodeGetFamily(name: string): Uint8Array {
  const attrs: AttrSpec[] = [attrString(GENL.CTRL_ATTR_FAMILY_NAME, name)];
  return encodeGenlAttributes(GENL.CTRL_CMD_GETFAMILY, GENL.CTRL_VERSION, attrs);
}

/** Decodes a CTRL_CMD_NEWFAMILY reply payload. Never throws. */
export function decodeFamily(payload: Uint8Array): Result<GenlFamily, NetlinkError> {
  return decodeGenl(payload)
    .andThen((genl) => decodeAttributes(genl.attributes))
    .andThen((attrs) => {
      const byType = indexAttributes(attrs);
      const idAttr = byType.get(GENL.CTRL_ATTR_FAMILY_ID);
      const nameAttr = byType.get(GENL.CTRL_ATTR_FAMILY_NAME);
      const id = idAttr && readU16(idAttr);
      if (id === undefined || !nameAttr) {
        return err(netlinkError('parse', 'family reply without id or name'));
      }
      const versionAttr = byType.get(GENL.CTRL_ATTR_VERSION);
      const maxAttr = byType.get(GENL.CTRL_ATTR_MAXATTR);
      const name = new TextDecoder().decode(nameAttr.value).replace(/\0.*$/s, '');
      return ok({
        name,
        id,
        version: (versionAttr && readU32(versionAttr)) ?? 0,
        maxAttr: (maxAttr && readU32(maxAttr)) ?? 0,
      });
    });
}

/**
 * Resolves a generic netlink family by name through nlctrl. A missing family
 * (e.g. `IPVS` when the ip_vs module is not loaded) is `unavailable`.
 */
export function resolveFamily(
  connection: NetlinkConnection,
  name: string,
): Result<GenlFamily, NetlinkError> {
  const replies = connection.request(
    GENL.ID_CTRL,
    encodeGetFamily(name),
    'ack',
    `GETFAMILY ${name}`,
  );
  if (replies.isErr()) {
    return replies.error.kind === 'not-found'
      ? err(
          netlinkError(
            'unavailable',
            `generic netlink family ${name} not found (module not loaded?)`,
          ),
        )
      : err(replies.error);
  }
  const first = replies.value[0];
  if (!first) return err(netlinkError('parse', `no reply for family ${name}`));
  return decodeFamily(first.payload);
}
