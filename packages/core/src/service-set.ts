import { err, ok, type Result } from 'neverthrow';
import type { BalancerError } from './balancer-types.js';
import type { Service } from './model.js';
import { formatConfigIssues } from './validate/issue-list.js';
import { serviceToInput, validateServices } from './validate/validate-services.js';

/**
 * Validates a whole set of services given to the runtime API or `reload()`:
 * every field rule and every cross-service rule of the config loaders, so
 * hostile data handed to a running balancer never reaches a backend.
 * Returns the canonical services (e.g. compressed IPv6 text).
 */
export function checkServiceSet(
  services: readonly Service[],
): Result<readonly Service[], BalancerError> {
  const result = validateServices(services.map(serviceToInput));
  if (result.isOk()) return ok(result.value);
  const issues = result.error;
  const kind = issues.every((i) => i.kind === 'duplicate') ? 'duplicate' : 'invalid';
  return err({ kind, message: formatConfigIssues(issues).join('\n') });
}
