import {
  formatIpv4,
  formatIpv6,
  type ParsedAddress,
  parseAddress,
  parsedAddressOf,
} from '@lbkit/core';
import { type NetlinkError, netlinkError, SOCKET } from '@lbkit/netlink';
import { err, ok, type Result } from 'neverthrow';
import type { Family } from '../client/types.js';

/** Size of `union nf_inet_addr`: the kernel always sends 16 bytes, v4 in the first 4. */
export const INET_ADDR_BYTES = 16;

/** AF_INET / AF_INET6 for a family. */
export const familyToAf = (family: Family): number =>
  family === 6 ? SOCKET.AF_INET6 : SOCKET.AF_INET;

/** Family for AF_INET / AF_INET6; `undefined` for anything else. */
export const afToFamily = (af: number): Family | undefined =>
  af === SOCKET.AF_INET ? 4 : af === SOCKET.AF_INET6 ? 6 : undefined;

/**
 * Encodes an address as `union nf_inet_addr` (16 bytes, v4 zero-padded),
 * from its parsed form when the validated model carries one (parse once).
 * Errors (`invalid`) when the text is not a strict address of `family`.
 */
export function encodeInetAddress(
  family: Family,
  text: string,
  known?: ParsedAddress,
): Result<Uint8Array, NetlinkError> {
  const parsed = parsedAddressOf(text, known);
  if (!parsed || parsed.family !== family) {
    return err(netlinkError('invalid', `not an IPv${family} address: ${JSON.stringify(text)}`));
  }
  const out = new Uint8Array(INET_ADDR_BYTES);
  out.set(parsed.bytes);
  return ok(out);
}

/**
 * Decodes `union nf_inet_addr` bytes for `family`. Old kernels and some paths send
 * 4 bytes for IPv4, current ones 16; both are accepted. Too short is `parse`.
 */
export function decodeInetAddress(family: Family, bytes: Uint8Array): Result<string, NetlinkError> {
  const need = family === 6 ? 16 : 4;
  if (bytes.length < need) {
    return err(netlinkError('parse', `IPv${family} address of ${bytes.length} bytes`));
  }
  return ok(family === 6 ? formatIpv6(bytes.subarray(0, 16)) : formatIpv4(bytes.subarray(0, 4)));
}

/** Canonical form of an address text, or `undefined` when it is not one. */
export const canonicalAddress = (text: string): string | undefined => parseAddress(text)?.canonical;
