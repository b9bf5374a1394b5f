import type { ProbeErrorKind } from '@lbkit/core';

/** errno / library codes mapped to a probe error kind. Unknown codes fall back to `protocol`. */
const KIND_BY_CODE: Readonly<Record<string, ProbeErrorKind>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  EAFNOSUPPORT: 'unreachable',
  EINVAL: 'unreachable',
  EPERM: 'unreachable',
  EACCES: 'unreachable',
  ENOTFOUND: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  UND_ERR_DESTROYED: 'reset',
  UND_ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
  UND_ERR_INVALID_ARG: 'internal',
  ERR_INVALID_ARG_TYPE: 'internal',
  ERR_INVALID_ARG_VALUE: 'internal',
  ERR_SOCKET_BAD_PORT: 'internal',
};

/** A network failure reduced to what a health verdict needs. */
export interface ClassifiedError {
  readonly kind: ProbeErrorKind;
  readonly message: string;
}

/**
 * Classifies an error thrown or emitted by `net`, `dgram`, `tls` or undici.
 * Walks `cause` chains (undici wraps socket errors); TLS and HTTP parser
 * failures are `protocol`.
 */
export function classifyError(error: unknown): ClassifiedError {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined) {
      const kind = KIND_BY_CODE[code];
      if (kind !== undefined) {
        // undici reports a peer reset as UND_ERR_SOCKET with the errno in `cause`.
        const cause = (current as { cause?: unknown }).cause;
        if (kind === 'reset' && code.startsWith('UND_ERR') && cause instanceof Error) {
          const inner = classifyError(cause);
          if (inner.kind !== 'protocol') return inner;
        }
        return { kind, message: describe(current) };
      }
      if (code.startsWith('HPE_') || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
        return { kind: 'protocol', message: describe(current) };
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return { kind: 'protocol', message: describe(error) };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
