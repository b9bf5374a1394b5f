/**
 * Small checks of user values, each returning the problem as a message tail
 * (`must be an integer 1..255, got 300`) or undefined when the value is fine.
 * Everything that ends up in keepalived.conf or on keepalived's command line
 * goes through one of these: text is never pasted raw.
 * @module
 */
import { isValidName, parseAddress, showValue } from '@lbkit/core';

/** A problem tail, or undefined. */
export type Problem = string | undefined;

/** An integer in `min..max`. */
export const intIn = (value: unknown, min: number, max: number): Problem =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `must be an integer ${min}..${max}, got ${showValue(value)}`;

/** `true` or `false`. */
export const bool = (value: unknown): Problem =>
  typeof value === 'boolean' ? undefined : `must be true or false, got ${showValue(value)}`;

/** One of `values`. */
export const oneOf = (value: unknown, values: readonly (string | number)[]): Problem =>
  values.includes(value as string | number)
    ? undefined
    : `must be one of ${values.join(', ')}, got ${showValue(value)}`;

/** A model-style name (`^[A-Za-z][A-Za-z0-9_-]{0,31}$`). */
export const name = (value: unknown): Problem =>
  typeof value === 'string' && isValidName(value)
    ? undefined
    : `must be a name (a letter, then up to 31 letters, digits, "_" or "-"), got ${showValue(value)}`;

const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** A Linux interface name: 1..15 of `A-Z a-z 0-9 _ . -`, not `.` or `..`. */
export const interfaceName = (value: unknown): Problem =>
  typeof value === 'string' && IFNAME.test(value) && value !== '.' && value !== '..'
    ? undefined
    : `must be an interface name (1..15 of A-Z a-z 0-9 _ . -), got ${showValue(value)}`;

const COMM = /^[A-Za-z0-9._-]{1,15}$/;

/** A process name as Linux keeps it (`/proc/PID/comm`, 15 characters). */
export const processName = (value: unknown): Problem =>
  typeof value === 'string' && COMM.test(value)
    ? undefined
    : `must be a process name (1..15 of A-Z a-z 0-9 . _ -), got ${showValue(value)}`;

const PATH = /^(\/[A-Za-z0-9._-]+)+$/;

/** An absolute path of plain segments (no `.`/`..`, spaces, quotes), at most 200 characters. */
export const absolutePath = (value: unknown): Problem => {
  const ok =
    typeof value === 'string' &&
    value.length <= 200 &&
    PATH.test(value) &&
    !value.split('/').some((segment) => segment === '.' || segment === '..');
  return ok
    ? undefined
    : `must be an absolute path of A-Z a-z 0-9 . _ - segments (no "." or ".."), got ${showValue(value)}`;
};

const NETNS = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A network namespace name (`ip netns` names one under /run/netns). */
export const netnsName = (value: unknown): Problem =>
  typeof value === 'string' && NETNS.test(value)
    ? undefined
    : `must be a network namespace name (1..64 of A-Z a-z 0-9 _ . -), got ${showValue(value)}`;

const PASSWORD = /^[A-Za-z0-9._+=:,/-]{1,8}$/;

/** A VRRPv2 PASS password. */
export const password = (value: unknown): Problem =>
  typeof value === 'string' && PASSWORD.test(value)
    ? undefined
    : 'must be 1..8 characters of A-Z a-z 0-9 . _ + = : , / -';

/** Why an address text is refused (undefined when it is an IPv4 or IPv6 address). */
export const address = (value: unknown): Problem =>
  typeof value === 'string' && parseAddress(value) !== undefined
    ? undefined
    : `must be an IPv4 or IPv6 address, got ${showValue(value)}`;

/** A parsed `address[/prefix]`. */
export interface Cidr {
  readonly address: string;
  readonly family: 4 | 6;
  readonly prefix: number;
}

/** Parses `address[/prefix]` (default /32 or /128); a problem tail when it is not one. */
export function parseCidr(value: unknown): Cidr | Problem {
  const shown = `must be an address or address/prefix, got ${showValue(value)}`;
  if (typeof value !== 'string') return shown;
  const [text = '', prefixText, ...rest] = value.split('/');
  const parsed = parseAddress(text);
  if (!parsed || rest.length > 0) return shown;
  const max = parsed.family === 4 ? 32 : 128;
  if (prefixText === undefined)
    return { address: parsed.canonical, family: parsed.family, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText)) return shown;
  if (Number(prefixText) < 1 || Number(prefixText) > max) {
    return `has a prefix out of 1..${max}: ${showValue(value)}`;
  }
  return { address: parsed.canonical, family: parsed.family, prefix: Number(prefixText) };
}
