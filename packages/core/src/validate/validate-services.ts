/**
 * `validateServices`: loose input -> the readonly `Service` model, with every
 * problem reported at once. Fails before any I/O; never throws.
 */
import { err, ok, type Result } from 'neverthrow';
import type { z } from 'zod';
import { parseAddress, withParsedAddress } from '../address.js';
import {
  DEFAULT_HEALTH,
  type Destination,
  type Forwarding,
  type HealthSettings,
  type ProbeSpec,
  type Scheduler,
  type Service,
} from '../model.js';
import { crossCheckServices } from './cross-checks.js';
import { checkForwardingPorts } from './forwarding-checks.js';
import type { ServiceDefaults, ServiceInput } from './input.js';
import { type ConfigIssue, configIssue, type SourceMap } from './issue.js';
import { IssueList } from './issue-list.js';
import { defaultsSchema, serviceSchema } from './schema.js';
import { checkWeightSettings } from './weight-checks.js';
import { addZodIssues } from './zod-issues.js';

type ParsedService = z.output<typeof serviceSchema>;
type ParsedProbe = NonNullable<ParsedService['probe']>;

/** Canonical text of an address that the schema has accepted. */
const canonical = (address: string): string => parseAddress(address)?.canonical ?? address;

/** Drops keys whose value is `undefined` (exactOptionalPropertyTypes). */
function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function buildProbe(probe: ParsedProbe | undefined): ProbeSpec {
  if (probe === undefined) return { kind: 'tcp' };
  if (probe.kind === 'dns') {
    const name = probe.name.endsWith('.') ? probe.name.slice(0, -1) : probe.name;
    return compact({ ...probe, name });
  }
  if (probe.kind === 'http') {
    return compact({
      ...probe,
      status: probe.status ? ([probe.status[0], probe.status[1]] as const) : undefined,
      header: probe.header ? compact(probe.header) : undefined,
    });
  }
  if (probe.kind === 'exec') return compact({ ...probe, argv: [...probe.argv] });
  return compact(probe);
}

function buildHealth(health: ParsedService['health']): HealthSettings {
  const interval = health?.interval ?? DEFAULT_HEALTH.interval;
  return {
    interval,
    fastInterval: health?.fastInterval ?? DEFAULT_HEALTH.fastInterval,
    downInterval: health?.downInterval ?? interval,
    timeout: health?.timeout ?? DEFAULT_HEALTH.timeout,
    rise: health?.rise ?? DEFAULT_HEALTH.rise,
    fall: health?.fall ?? DEFAULT_HEALTH.fall,
    jitter: health?.jitter ?? interval,
    initial: health?.initial ?? DEFAULT_HEALTH.initial,
  };
}

/**
 * The scheduler of a service that names none: `rr`, or `wrr` when its
 * destinations have different weights (other than 0), which `rr` would ignore,
 * or when `dynamicWeights` (slow start, an agent or dynamic exec probe: weights
 * that change at run time; `wrr` with equal weights spreads like `rr`).
 */
export function defaultScheduler(
  destinations: readonly { readonly weight: number }[],
  dynamicWeights = false,
): Scheduler {
  if (dynamicWeights) return 'wrr';
  let first: number | undefined;
  for (const { weight } of destinations) {
    if (weight === 0) continue;
    if (first === undefined) first = weight;
    else if (weight !== first) return 'wrr';
  }
  return 'rr';
}

/** The sorry destination of the model: name `sorry`, the service port and weight 1 by default. */
function buildSorry(parsed: ParsedService): Destination | undefined {
  if (!parsed.sorry) return undefined;
  const ip = parseAddress(parsed.sorry.address);
  return withParsedAddress(
    {
      name: parsed.sorry.name ?? 'sorry',
      address: ip?.canonical ?? parsed.sorry.address,
      port: parsed.sorry.port ?? parsed.port,
      weight: 1,
    },
    'parsed',
    ip,
  );
}

/** Slow start, or a probe that sets weights (agent, dynamic exec). */
const hasDynamicWeights = (parsed: ParsedService): boolean =>
  (parsed.slowStart ?? 0) > 0 ||
  parsed.probe?.kind === 'agent' ||
  (parsed.probe?.kind === 'exec' && parsed.probe.dynamic === true);

function buildService(parsed: ParsedService): Service {
  // The model carries each parsed address (hidden, see withParsedAddress): parsed once.
  const destinations: Destination[] = (parsed.destinations ?? []).map((d) => {
    const ip = parseAddress(d.address);
    return withParsedAddress(
      {
        name: d.name,
        address: ip?.canonical ?? d.address,
        port: d.port ?? parsed.port,
        weight: d.weight ?? 1,
        ...(d.connectAddress !== undefined ? { connectAddress: canonical(d.connectAddress) } : {}),
        ...(d.connectPort !== undefined ? { connectPort: d.connectPort } : {}),
      },
      'parsed',
      ip,
    );
  });
  const vip = parseAddress(parsed.vip);
  const sorry = buildSorry(parsed);
  return withParsedAddress(
    {
      name: parsed.name,
      key: {
        vip: vip?.canonical ?? parsed.vip,
        port: parsed.port,
        protocol: parsed.protocol ?? 'tcp',
      },
      scheduler: (parsed.scheduler ??
        defaultScheduler(destinations, hasDynamicWeights(parsed))) as Scheduler,
      destinations,
      probe: buildProbe(parsed.probe),
      health: buildHealth(parsed.health),
      whenEmpty: parsed.whenEmpty ?? 'reject',
      downAction: parsed.downAction ?? 'remove',
      persistence: parsed.persistence ?? 0,
      ...(parsed.quorum !== undefined ? { quorum: parsed.quorum } : {}),
      ...(sorry ? { sorry } : {}),
      ...(parsed.slowStart ? { slowStart: parsed.slowStart } : {}),
      ...(parsed.forward !== undefined && { forward: parsed.forward as Forwarding }),
    },
    'parsedVip',
    vip,
  );
}

/**
 * Validates services and fills in defaults: scheduler `rr` (`wrr` when the
 * destinations have different weights), protocol `tcp`,
 * weight 1, destination port = service port, probe `{ kind: 'tcp' }`,
 * `DEFAULT_HEALTH` (with `downInterval` and `jitter` = `interval`),
 * whenEmpty `reject`, downAction `remove`, persistence 0, slowStart off
 * (refused > 0 with `rr`/`lc`, which ignore weights). Addresses are
 * stored canonical.
 *
 * Every problem is reported at once (at most `MAX_CONFIG_ISSUES`, then one
 * issue of kind `more` counting the rest), each with its field, a path like
 * `services[1].destinations[0].address` and, when `sources` is given, its
 * `file:line`. Never throws, whatever `input` really is at run time.
 */
export function validateServices(
  input: readonly ServiceInput[],
  sources?: SourceMap,
): Result<readonly Service[], readonly ConfigIssue[]> {
  const raw: unknown = input;
  const root = { services: raw };
  if (!Array.isArray(raw)) {
    return err([configIssue('invalid', 'must be a list', ['services'], sources)]);
  }
  const issues = new IssueList();
  const services: Service[] = [];
  for (const [i, item] of raw.entries()) {
    const parsed = serviceSchema.safeParse(item);
    if (parsed.success) services.push(buildService(parsed.data));
    else addZodIssues(issues, parsed.error.issues, root, ['services', i], sources);
  }
  crossCheckServices(issues, root, raw, sources);
  checkWeightSettings(issues, root, raw, sources);
  checkForwardingPorts(issues, raw, sources);
  return issues.count > 0 ? err(issues.toArray()) : ok(services);
}

/**
 * Validates a `defaults` block (everything of a service but name, vip, port
 * and destinations). Issues carry paths under `defaults`.
 */
export function validateServiceDefaults(
  input: ServiceDefaults,
  sources?: SourceMap,
): Result<ServiceDefaults, readonly ConfigIssue[]> {
  const parsed = defaultsSchema.safeParse(input);
  if (parsed.success) return ok(input);
  const issues = new IssueList();
  addZodIssues(issues, parsed.error.issues, { defaults: input }, ['defaults'], sources);
  return err(issues.toArray());
}

/**
 * Applies defaults to one service (or to other defaults): fields the service sets win; `health` is
 * merged field by field; `probe` is replaced as a whole. Pure; no validation.
 */
export function applyServiceDefaults<T extends ServiceDefaults>(
  defaults: ServiceDefaults,
  service: T,
): T {
  const merged = { ...defaults, ...service } as Record<string, unknown>;
  if (defaults.health !== undefined || service.health !== undefined) {
    const health: unknown = service.health;
    merged['health'] =
      typeof health === 'object' && health !== null && !Array.isArray(health)
        ? { ...defaults.health, ...health }
        : (health ?? defaults.health);
  }
  return merged as unknown as T;
}

/** Writes a validated `Service` back as input (flat key); `validateServices` of it gives it back. */
export function serviceToInput(service: Service): ServiceInput {
  return {
    name: service.name,
    vip: service.key.vip,
    port: service.key.port,
    protocol: service.key.protocol,
    scheduler: service.scheduler,
    whenEmpty: service.whenEmpty,
    downAction: service.downAction,
    persistence: service.persistence,
    ...(service.slowStart ? { slowStart: service.slowStart } : {}),
    ...(service.forward !== undefined && { forward: service.forward }),
    probe: service.probe,
    health: service.health,
    destinations: service.destinations,
    ...(service.quorum !== undefined ? { quorum: service.quorum } : {}),
    ...(service.sorry
      ? {
          sorry: {
            name: service.sorry.name,
            address: service.sorry.address,
            port: service.sorry.port,
          },
        }
      : {}),
  };
}
