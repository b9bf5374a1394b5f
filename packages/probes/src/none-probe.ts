import { CheckScope } from './check-scope.js';
import type { ClosableProbe } from './closable-probe.js';

/**
 * The `none` probe: every check succeeds at once (the destination is always up,
 * or as set through the runtime API). It still honours an already-aborted signal.
 */
export function noneProbe(): ClosableProbe {
  return {
    description: 'none',
    check: (_target, options) => CheckScope.run(options, (scope) => scope.succeed()),
    close: async () => {},
  };
}
