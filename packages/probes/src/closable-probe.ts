import type { Probe } from '@lbkit/core';
import { CheckScope } from './check-scope.js';

/**
 * A `Probe` from this package. `close()` releases pooled resources (the HTTP
 * probe's keep-alive connections); it is a no-op for probes that keep nothing
 * between checks. Checks started after `close()` still work (they open new
 * resources), so closing is safe at any time.
 */
export interface ClosableProbe extends Probe {
  close(): Promise<void>;
}

/**
 * A probe built from invalid options: every check fails with kind `internal`
 * and the configuration message, so a bad spec never throws and is never
 * mistaken for a healthy server.
 */
export function invalidProbe(description: string, message: string): ClosableProbe {
  return {
    description: `${description} (invalid: ${message})`,
    check: (_target, options) =>
      CheckScope.run(options, (scope) =>
        scope.fail('internal', `invalid probe options: ${message}`),
      ),
    close: async () => {},
  };
}

/** Formats `address:port`, bracketing IPv6. */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
