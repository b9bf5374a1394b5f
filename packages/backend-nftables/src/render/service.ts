import {
  type BackendError,
  backendError,
  type DesiredDestination,
  type DesiredService,
  type IpFamily,
  type Protocol,
  parseAddress,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { JHASH_SEED, MAP, serviceBackendMap, serviceChainName, validateName } from '../names.js';
import { maglevTable } from './maglev.js';
import type { ResolvedRenderOptions } from './options.js';
import { slotPlan } from './slots.js';

/** One element we emit: `add element inet T <map> { <key> : <value> }` (or a set element). */
export interface RenderedElement {
  readonly map: string;
  readonly key: string;
  /** Absent for set elements. */
  readonly value?: string;
}

/** Everything one service owns in the table. */
export interface RenderedService {
  readonly name: string;
  readonly family: IpFamily;
  readonly protocol: Protocol;
  readonly chain: string;
  /** The backend map shard holding this service's slots (`backends4_tcp_17`). */
  readonly backendMap: string;
  /**
   * Rule bodies of the service chain, in order: the dnat rule (with the
   * service's anonymous counter) and the empty verdict.
   */
  readonly rules: readonly string[];
  /** Elements in shared maps and sets (backend slots, flows, dispatch), in emit order. */
  readonly elements: readonly RenderedElement[];
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** `ip` / `ip6` keyword of a family. */
export const familyKeyword = (family: IpFamily): 'ip' | 'ip6' => (family === 4 ? 'ip' : 'ip6');

function checkDestination(
  d: DesiredDestination,
  family: IpFamily,
  service: string,
): Result<string, BackendError> {
  const name = validateName(d.name, `destination (service ${service})`);
  if (name.isErr()) return err(name.error);
  const parsed = parseAddress(d.address);
  if (!parsed || parsed.family !== family) {
    return err(
      backendError(
        'rejected',
        `service ${service}: destination ${d.name} address is not an IPv${family} address`,
      ),
    );
  }
  if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535) {
    return err(
      backendError(
        'rejected',
        `service ${service}: destination ${d.name} port ${d.port} out of range`,
      ),
    );
  }
  if (!Number.isInteger(d.weight) || d.weight < 0 || d.weight > 65535) {
    return err(
      backendError(
        'rejected',
        `service ${service}: destination ${d.name} weight ${d.weight} out of range`,
      ),
    );
  }
  return ok(parsed.canonical);
}

/**
 * Renders one service: its chain, counters and elements in the shared maps.
 * Fails with `rejected` on invalid names/addresses and `unsupported` on `lc`/`wlc`.
 */
export function renderService(
  service: DesiredService,
  options: ResolvedRenderOptions,
): Result<RenderedService, BackendError> {
  const valid = validateName(service.name, 'service');
  if (valid.isErr()) return err(valid.error);
  const vip = parseAddress(service.key.vip);
  if (!vip) return err(backendError('rejected', `service ${service.name}: invalid VIP`));
  const { port, protocol } = service.key;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return err(backendError('rejected', `service ${service.name}: port ${port} out of range`));
  }
  if (protocol !== 'tcp' && protocol !== 'udp') {
    return err(backendError('rejected', `service ${service.name}: protocol must be tcp or udp`));
  }
  if (service.scheduler === 'lc' || service.scheduler === 'wlc') {
    return err(
      backendError(
        'unsupported',
        `service ${service.name}: scheduler ${service.scheduler} needs connection counts (IPVS only)`,
      ),
    );
  }
  if (!['rr', 'wrr', 'random', 'sh', 'mh'].includes(service.scheduler)) {
    return err(backendError('unsupported', `service ${service.name}: unknown scheduler`));
  }
  if (service.whenEmpty !== 'reject' && service.whenEmpty !== 'drop') {
    return err(
      backendError('rejected', `service ${service.name}: whenEmpty must be reject or drop`),
    );
  }
  const family = vip.family;
  const ipk = familyKeyword(family);
  const vkey = `${vip.canonical} . ${protocol} . ${port}`;
  const dests: { d: DesiredDestination; address: string }[] = [];
  const seenNames = new Set<string>();
  const seenEndpoints = new Set<string>();
  for (const d of service.destinations) {
    const address = checkDestination(d, family, service.name);
    if (address.isErr()) return err(address.error);
    const endpoint = `${address.value} . ${d.port}`;
    if (seenNames.has(d.name) || seenEndpoints.has(endpoint)) {
      return err(
        backendError('rejected', `service ${service.name}: duplicate destination ${d.name}`),
      );
    }
    seenNames.add(d.name);
    seenEndpoints.add(endpoint);
    dests.push({ d, address: address.value });
  }

  const chain = serviceChainName(service.name);
  const elements: RenderedElement[] = [];
  const live = dests.filter((x) => x.d.weight > 0);
  const map = serviceBackendMap(service.name, family, protocol, options.backendShards);
  const slotKey = `${vip.canonical} . ${port}`;
  const target = (x: { d: DesiredDestination; address: string }): string =>
    `${x.address} . ${x.d.port}`;
  let selector: string;
  if (service.scheduler === 'mh') {
    const table = maglevTable(
      live.map((x) => ({ name: x.d.name, weight: x.d.weight })),
      options.mhTableSize,
    );
    selector = `jhash ${ipk} saddr mod ${options.mhTableSize} seed ${hex(JHASH_SEED)}`;
    table.forEach((i, slot) => {
      elements.push({ map, key: `${slotKey} . ${slot}`, value: target(live[i]!) });
    });
  } else {
    const plan = slotPlan(
      live.map((x) => x.d.weight),
      service.scheduler !== 'rr',
    );
    selector =
      service.scheduler === 'sh'
        ? `jhash ${ipk} saddr mod ${plan.modulus} seed ${hex(JHASH_SEED)}`
        : service.scheduler === 'random'
          ? `numgen random mod ${plan.modulus}`
          : `numgen inc mod ${plan.modulus}`;
    plan.slots.forEach((i, slot) => {
      elements.push({ map, key: `${slotKey} . ${slot}`, value: target(live[i]!) });
    });
  }
  // Rule 1 never depends on which destinations are live: a map miss (no slot,
  // the service is empty) ends the rule and rule 2 gives the empty verdict.
  const counter = options.counters ? 'counter ' : '';
  const keyExpr = `${ipk} daddr . ${protocol} dport`;
  const rules = [
    `meta l4proto ${protocol} ${counter}dnat ${ipk} to ${keyExpr} . ${selector} map @${map}`,
    service.whenEmpty === 'drop'
      ? 'drop'
      : protocol === 'tcp'
        ? 'meta l4proto tcp reject with tcp reset'
        : 'reject with icmpx port-unreachable',
  ];
  // Every configured (vip, destination) pair, drained ones included: the
  // per-destination counters, masquerade and forwardMark match on it.
  for (const x of dests) {
    elements.push({ map: MAP.flows[family], key: `${vkey} . ${x.address} . ${x.d.port}` });
  }
  elements.push({ map: MAP.services[family], key: vkey, value: `goto ${chain}` });
  return ok({
    name: service.name,
    family,
    protocol,
    chain,
    backendMap: map,
    rules,
    elements,
  });
}
