import type { IpFamily } from './model.js';

/** A parsed IP address: family, canonical text and network-order bytes. */
export interface ParsedAddress {
  readonly family: IpFamily;
  /** Dotted quad, or RFC 5952 compressed lower-case IPv6. */
  readonly canonical: string;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

const DOT = 0x2e;
const ZERO = 0x30;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Strict IPv4 parse: exactly four decimal octets 0..255, no leading zeros
 * (`010.0.0.1` is ambiguous: octal to inet_aton, decimal to others), no `1.2.3` or `1`.
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  if (text.length < 7 || text.length > 15) return undefined;
  const bytes = new Uint8Array(4);
  let octet = 0;
  let value = 0;
  let digits = 0;
  // One pass over the characters; the end of the text closes the last octet as a dot would.
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || octet > 3) return undefined;
      bytes[octet++] = value;
      value = 0;
      digits = 0;
    } else if (c >= ZERO && c <= ZERO + 9) {
      if (digits > 0 && value === 0) return undefined; // a leading zero
      value = value * 10 + (c - ZERO);
      digits++;
      if (value > 255) return undefined;
    } else return undefined;
  }
  return octet === 4 ? bytes : undefined;
}

/**
 * Hex groups of one side of `::`. An embedded IPv4 tail (`::ffff:192.0.2.1`)
 * is the last 32 bits of the WHOLE address, so only the side that ends the
 * address may have one (`allowV4Tail`): `1.2.3.4::` is not an address.
 */
function parseGroups(text: string, allowV4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [i, part] of parts.entries()) {
    if (allowV4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!HEX_GROUP.test(part)) return undefined;
      groups.push(Number.parseInt(part, 16));
    }
  }
  return groups;
}

/** Strict IPv6 parse (no zone index, no brackets); embedded IPv4 tail allowed. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length > 45 || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = parseGroups(halves[0]!, !compressed);
  const tail = compressed ? parseGroups(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (const [i, g] of groups.entries()) {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  }
  return bytes;
}

/** Formats 16 bytes as RFC 5952 text: lower case, longest zero run (>= 2) compressed. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLen).join(':');
  return `${left}::${right}`;
}

/** Formats 4 bytes as a dotted quad. */
export const formatIpv4 = (bytes: Uint8Array): string => Array.from(bytes.subarray(0, 4)).join('.');

/** Every address `parseAddress` made: only these are trusted as parsed (see `parsedAddressOf`). */
const made = new WeakSet<ParsedAddress>();

/**
 * Parses an IPv4 or IPv6 address strictly; `undefined` when it is not one.
 * The result is what the validated model carries, so that renderers and
 * codecs never parse the text again.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  let parsed: ParsedAddress | undefined;
  const v4 = parseIpv4(text);
  // A strict dotted quad is its own canonical form (no leading zeros, nothing else).
  if (v4) parsed = { family: 4, canonical: text, bytes: v4 };
  else {
    const v6 = parseIpv6(text);
    if (v6) parsed = { family: 6, canonical: formatIpv6(v6), bytes: v6 };
  }
  if (parsed) made.add(parsed);
  return parsed;
}

/**
 * Returns `target` with its parsed address attached as the property `key`
 * (`parsed`, `parsedVip`): derived data, not part of the value, so it is
 * NOT enumerable — equality, JSON, logs and spreads see the model as the
 * plain data it is; whoever reads the field gets the bytes without parsing
 * (a copy that lost it is simply parsed again: see `parsedAddressOf`).
 */
export function withParsedAddress<T extends object>(
  target: T,
  key: 'parsed' | 'parsedVip',
  parsed: ParsedAddress | undefined,
): T {
  if (parsed !== undefined)
    Object.defineProperty(target, key, { value: parsed, enumerable: false });
  return target;
}

/**
 * The parsed form of `text`: `parsed` itself when it is an address
 * `parseAddress` made for exactly this canonical text (an object spread or
 * built by hand is not trusted), else `text` parsed now. What backends call
 * on the model's `parsed` / `parsedVip` fields: parse once, stay correct.
 */
export function parsedAddressOf(
  text: string,
  parsed: ParsedAddress | undefined,
): ParsedAddress | undefined {
  if (parsed !== undefined && made.has(parsed) && parsed.canonical === text) return parsed;
  return parseAddress(text);
}
