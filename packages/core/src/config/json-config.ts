/**
 * The structured config, in JSON or YAML:
 *
 * ```yaml
 * defaults: { scheduler: wrr, health: { interval: 10000 } }
 * services:
 *   - name: dns
 *     vip: 192.0.2.53
 *     port: 53
 *     protocol: udp
 *     probe: { kind: dns, name: health.load.balance }
 *     destinations:
 *       - { name: ns1, address: 198.51.100.1, connectAddress: 203.0.113.1 }
 * ```
 *
 * Every model feature can be written; `defaults` merges into each service.
 * Every issue carries the `file:line` of the offending node, unknown keys too.
 */
import { err, ok, type Result } from 'neverthrow';
import type { Forwarding, Service } from '../model.js';
import { checkForwardingSupport } from '../validate/forwarding-checks.js';
import type { ServiceDefaults, ServiceInput } from '../validate/input.js';
import { type ConfigIssue, configIssue, showValue } from '../validate/issue.js';
import { IssueList } from '../validate/issue-list.js';
import {
  applyServiceDefaults,
  validateServiceDefaults,
  validateServices,
} from '../validate/validate-services.js';
import { incompleteIssue, optionsOf } from './loader-options.js';
import { parseYamlSource } from './yaml-source.js';

/** Options of `parseConfig`. */
export interface ConfigOptions {
  /** File name put into every issue. Default none. */
  readonly file?: string;
  /** Defaults under the file's own `defaults` (the file wins). Default none. */
  readonly defaults?: ServiceDefaults;
  /**
   * Accept a config whose `services` list is empty. Default false: it would
   * remove every service (kind `incomplete`).
   */
  readonly allowEmpty?: boolean;
  /**
   * The forwarding methods the backend that will run the config can do, and
   * its name: a service asking for another is an `invalid` issue at its
   * `forward` line (nftables: `{ methods: ['nat'], backend: 'nftables' }`).
   * Default: not checked (any of nat, route, tunnel).
   */
  readonly forwarding?: ForwardingSupport;
}

/** What `ConfigOptions.forwarding` holds. */
export interface ForwardingSupport {
  readonly methods: readonly Forwarding[];
  readonly backend: string;
}

/** The top-level keys of a structured config. */
export const CONFIG_KEYS = ['defaults', 'services'] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses a JSON or YAML config into validated services, or every issue with
 * its `file:line` (at most `MAX_CONFIG_ISSUES`, then one `more`). Never
 * throws; never a partial load.
 */
export function parseConfig(
  text: string,
  config?: ConfigOptions,
): Result<readonly Service[], readonly ConfigIssue[]> {
  const options = optionsOf(config);
  const parsed = parseYamlSource(text, options.file);
  if (parsed.isErr()) return err(parsed.error);
  const { value, sources } = parsed.value;
  if (value === null || value === undefined) {
    if (options.allowEmpty === true) return ok([]);
    return err([incompleteIssue('the config is empty (or only comments)', options.file)]);
  }
  if (!isObject(value)) {
    const message = `config must be an object with a "services" list, got ${showValue(value)}`;
    return err([configIssue('invalid', message, [], sources)]);
  }
  const issues = new IssueList();
  for (const key of Object.keys(value)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      issues.add(
        configIssue('invalid', 'unknown field (expected defaults, services)', [key], sources),
      );
    }
  }
  let defaults: ServiceDefaults = {};
  if (options.defaults !== undefined) {
    const checked = validateServiceDefaults(options.defaults);
    if (checked.isErr()) issues.addAll(checked.error);
    else defaults = checked.value;
  }
  if (value['defaults'] !== undefined) {
    const checked = validateServiceDefaults(value['defaults'] as ServiceDefaults, sources);
    if (checked.isErr()) issues.addAll(checked.error);
    else defaults = applyServiceDefaults(defaults, checked.value);
  }
  const services = value['services'];
  if (!Array.isArray(services)) {
    const message =
      services === undefined || services === null
        ? 'is missing: expected a list of services'
        : `must be a list, got ${showValue(services)}`;
    issues.add(configIssue('invalid', message, ['services'], sources));
    return err(issues.toArray());
  }
  if (services.length === 0 && issues.count === 0 && options.allowEmpty !== true) {
    return err([
      incompleteIssue('"services" is empty', options.file, sources.lineOf(['services'])),
    ]);
  }
  const merged = services.map((service: unknown) =>
    isObject(service)
      ? applyServiceDefaults(defaults, service as unknown as ServiceInput)
      : service,
  ) as ServiceInput[];
  const validated = validateServices(merged, sources);
  if (options.forwarding !== undefined) {
    const { methods, backend } = options.forwarding;
    checkForwardingSupport(issues, merged, methods, backend, sources);
  }
  if (validated.isErr()) issues.addAll(validated.error);
  if (issues.count > 0 || validated.isErr()) return err(issues.toArray());
  return ok(validated.value);
}
