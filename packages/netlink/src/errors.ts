import { ERRNO } from './uapi.js';

/**
 * Why a netlink or IPVS request failed.
 * - `exists`: EEXIST (service or destination already there),
 * - `not-found`: ENOENT / ESRCH (no such service, destination, family or scheduler module),
 * - `invalid`: EINVAL or a request this library refuses to encode,
 * - `permission`: EPERM / EACCES (needs CAP_NET_ADMIN in the socket's namespace),
 * - `unavailable`: no netlink, no IPVS family (module not loaded), no libc,
 * - `kernel`: any other errno from the kernel,
 * - `io`: a socket call failed, `timeout`: no reply within the receive timeout,
 * - `parse`: a reply could not be decoded, `closed`: the socket was closed.
 */
export type NetlinkErrorKind =
  | 'exists'
  | 'not-found'
  | 'invalid'
  | 'permission'
  | 'unavailable'
  | 'kernel'
  | 'io'
  | 'timeout'
  | 'parse'
  | 'closed';

/** A netlink failure; `errno` is the positive errno when the kernel or libc gave one. */
export interface NetlinkError {
  readonly kind: NetlinkErrorKind;
  readonly message: string;
  readonly errno?: number;
  /** What was being done, e.g. `NEW_SERVICE 192.0.2.10:80/tcp`. */
  readonly operation?: string;
}

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(ERRNO).map(([name, value]) => [value, name]),
);

/** Symbolic name of an errno (`EEXIST`), or `errno N` when unknown. */
export const errnoName = (errno: number): string => NAMES[errno] ?? `errno ${errno}`;

/** Classifies a positive errno into a `NetlinkErrorKind`. */
export function errnoKind(errno: number): NetlinkErrorKind {
  switch (errno) {
    case ERRNO.EEXIST:
      return 'exists';
    case ERRNO.ENOENT:
    case ERRNO.ESRCH:
      return 'not-found';
    case ERRNO.EINVAL:
      return 'invalid';
    case ERRNO.EPERM:
    case ERRNO.EACCES:
      return 'permission';
    case ERRNO.EAFNOSUPPORT:
    case ERRNO.EPROTONOSUPPORT:
    case ERRNO.ENODEV:
    case ERRNO.EOPNOTSUPP:
      return 'unavailable';
    case ERRNO.EAGAIN:
      return 'timeout';
    default:
      return 'kernel';
  }
}

/** Builds a `NetlinkError` from a positive errno, with an optional kernel extack text. */
export function errnoError(errno: number, operation?: string, detail?: string): NetlinkError {
  const what = operation ? `${operation}: ` : '';
  const extra = detail ? ` (${detail})` : '';
  return {
    kind: errnoKind(errno),
    message: `${what}${errnoName(errno)}${extra}`,
    errno,
    ...(operation === undefined ? {} : { operation }),
  };
}

/** Builds a `NetlinkError` of the given kind. */
export const netlinkError = (
  kind: NetlinkErrorKind,
  message: string,
  operation?: string,
): NetlinkError => ({ kind, message, ...(operation === undefined ? {} : { operation }) });
