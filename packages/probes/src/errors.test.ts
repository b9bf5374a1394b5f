import { describe, expect, it } from 'vitest';
import { classifyError } from './errors.js';

const errno = (code: string, cause?: unknown) =>
  Object.assign(new Error(`x ${code}`), { code }, cause === undefined ? {} : { cause });

describe('classifyError', () => {
  it('maps errno codes to kinds', () => {
    expect(classifyError(errno('ECONNREFUSED')).kind).toBe('refused');
    expect(classifyError(errno('EHOSTUNREACH')).kind).toBe('unreachable');
    expect(classifyError(errno('ENETUNREACH')).kind).toBe('unreachable');
    expect(classifyError(errno('ECONNRESET')).kind).toBe('reset');
    expect(classifyError(errno('ETIMEDOUT')).kind).toBe('timeout');
  });

  it('looks through undici wrappers to the socket error', () => {
    expect(classifyError(errno('UND_ERR_SOCKET', errno('ECONNREFUSED'))).kind).toBe('refused');
    expect(classifyError(errno('UND_ERR_SOCKET')).kind).toBe('reset');
    expect(classifyError(new Error('wrapped', { cause: errno('EHOSTUNREACH') })).kind).toBe(
      'unreachable',
    );
  });

  it('calls parser and TLS failures protocol, and unknowns too', () => {
    expect(classifyError(errno('HPE_INVALID_CONSTANT')).kind).toBe('protocol');
    expect(classifyError(errno('ERR_TLS_CERT_ALTNAME_INVALID')).kind).toBe('protocol');
    expect(classifyError('weird').kind).toBe('protocol');
    expect(classifyError(errno('ECONNREFUSED')).message).toContain('ECONNREFUSED');
  });
});
