import {
  type BackendError,
  backendError,
  type DesiredDestination,
  type DesiredService,
  type IpFamily,
  MAX_PERSISTENCE_S,
  type ParsedAddress,
  type Protocol,
  parseAddress,
  parsedAddressOf,
} from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import {
  CHAIN,
  JHASH_SEED,
  MAP,
  serviceChainName,
  serviceSlotMap,
  validateName,
} from '../names.js';
import { type AffinityParts, affinityParts } from './affinity.js';
import type { RenderedElement, RuleSpec, Selector, SetDecl, Verdict } from './commands.js';
import { maglevTable } from './maglev.js';
import type { ResolvedRenderOptions } from './options.js';
import { slotPlan } from './slots.js';

/** Everything one service owns in the table. */
export interface RenderedService {
  readonly name: string;
  readonly family: IpFamily;
  readonly protocol: Protocol;
  readonly chain: string;
  /** The VIP in canonical form (the kernel's view of the service key). */
  readonly vip: string;
  /** The slot map shard holding this service's slots (`slots4_tcp_17`); none with persistence. */
  readonly slotMap?: SetDecl;
  /** With persistence: its own sets and destination chains (`affinity.ts`). */
  readonly affinity?: AffinityParts;
  /** Rules of the service chain: the one dnat rule (with persistence: counter, sticky rules, pick). */
  readonly rules: readonly RuleSpec[];
  /** Elements in shared maps and sets (backend slots, flows, dispatch, empty verdict), in emit order. */
  readonly elements: readonly RenderedElement[];
}

/** The empty verdict of a service: a shared reject chain for its protocol, or `drop`. */
const emptyVerdict = (whenEmpty: 'reject' | 'drop', protocol: Protocol): Verdict =>
  whenEmpty === 'drop'
    ? { kind: 'drop' }
    : { kind: 'goto', chain: protocol === 'tcp' ? CHAIN.emptyRejectTcp : CHAIN.emptyRejectUdp };

/** Parsed addresses by text, shared by the services of one render (addresses repeat). */
export type AddressMemo = Map<string, ParsedAddress | undefined>;

/**
 * The parsed address: the validated model's (`known`, parsed once by core)
 * when it is trustworthy, else the text parsed (shared through `memo`).
 */
function addressOf(
  text: string,
  known: ParsedAddress | undefined,
  memo: AddressMemo | undefined,
): ParsedAddress | undefined {
  if (known !== undefined) return parsedAddressOf(text, known);
  if (!memo) return parseAddress(text);
  let parsed = memo.get(text);
  if (parsed === undefined && !memo.has(text)) {
    parsed = parseAddress(text);
    memo.set(text, parsed);
  }
  return parsed;
}

function checkDestination(
  d: DesiredDestination,
  family: IpFamily,
  service: string,
  memo: AddressMemo | undefined,
): Result<ParsedAddress, BackendError> {
  const name = validateName(d.name, `destination (service ${service})`);
  if (name.isErr()) return err(name.error);
  const parsed = addressOf(d.address, d.parsed, memo);
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
  return ok(parsed);
}

/**
 * Renders one service: its chain, counters and elements in the shared maps.
 * `memo` (optional) shares parsed addresses between the services of one render.
 * Fails with `rejected` on invalid names/addresses and `unsupported` on `lc`/`wlc`
 * and on `forward` `route`/`tunnel`.
 */
export function renderService(
  service: DesiredService,
  options: ResolvedRenderOptions,
  memo?: AddressMemo,
): Result<RenderedService, BackendError> {
  const valid = validateName(service.name, 'service');
  if (valid.isErr()) return err(valid.error);
  const vip = addressOf(service.key.vip, service.parsedVip, memo);
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
  if (service.forward !== undefined && service.forward !== 'nat') {
    return err(
      backendError(
        'unsupported',
        `service ${service.name}: forward ${service.forward} needs IPVS (nftables DNAT is NAT)`,
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
  const dests: { d: DesiredDestination; address: ParsedAddress }[] = [];
  for (const d of service.destinations) {
    const address = checkDestination(d, family, service.name, memo);
    if (address.isErr()) return err(address.error);
    // A handful of destinations per service: a scan beats allocating sets.
    const twin = dests.find(
      (x) =>
        x.d.name === d.name ||
        (x.address.canonical === address.value.canonical && x.d.port === d.port),
    );
    if (twin) {
      return err(
        backendError('rejected', `service ${service.name}: duplicate destination ${d.name}`),
      );
    }
    dests.push({ d, address: address.value });
  }

  const chain = serviceChainName(service.name);
  const elements: RenderedElement[] = [];
  const live = dests.filter((x) => x.d.weight > 0);
  let selector: Selector;
  let slots: readonly number[];
  if (service.scheduler === 'mh') {
    const weights = live.map((x) => ({ name: x.d.name, weight: x.d.weight }));
    selector = { kind: 'jhash', modulus: options.mhTableSize, seed: JHASH_SEED };
    slots = maglevTable(weights, options.mhTableSize);
  } else {
    const plan = slotPlan(
      live.map((x) => x.d.weight),
      service.scheduler !== 'rr',
    );
    selector =
      service.scheduler === 'sh'
        ? { kind: 'jhash', modulus: plan.modulus, seed: JHASH_SEED }
        : {
            kind: 'numgen',
            mode: service.scheduler === 'random' ? 'random' : 'inc',
            modulus: plan.modulus,
          };
    slots = plan.slots;
  }
  const counter = options.counters;
  const persistence = service.persistence ?? 0;
  if (!Number.isInteger(persistence) || persistence < 0 || persistence > MAX_PERSISTENCE_S) {
    return err(
      backendError(
        'rejected',
        `service ${service.name}: persistence ${persistence} is not an integer 0..${MAX_PERSISTENCE_S}`,
      ),
    );
  }
  let rules: RuleSpec[];
  let slotMap: SetDecl | undefined;
  let affinity: AffinityParts | undefined;
  if (persistence > 0) {
    const targets = live.map((x) => ({ name: x.d.name, address: x.address, port: x.d.port }));
    affinity = affinityParts(
      { name: service.name, family, protocol, persistence, counter, selector, slots },
      targets,
    );
    rules = [...affinity.rules];
    for (const e of affinity.elements) elements.push(e);
  } else {
    const map = serviceSlotMap(service.name, family, protocol, options.slotMapShards);
    // One value per live destination, shared by all its slots (they are read-only).
    const targets = live.map((x) => [x.address, x.d.port] as const);
    for (let slot = 0; slot < slots.length; slot++) {
      elements.push({ map, key: [vip, port, slot], value: targets[slots[slot]!]! });
    }
    // The rule never depends on which destinations are live: a map miss (no
    // slot: the service is empty) ends it, the chain returns to the dispatch
    // chain, and the service's element in empty<f> gives the empty verdict.
    rules = [{ kind: 'dnat', family, protocol, counter, selector, map }];
    slotMap = { kind: 'slots', name: map, family, protocol };
  }
  // Every configured (vip, destination) pair, drained ones included: the
  // per-destination counters, masquerade and forwardMark match on it.
  for (const x of dests) {
    elements.push({ map: MAP.flows[family], key: [vip, protocol, port, x.address, x.d.port] });
  }
  const key = [vip, protocol, port];
  elements.push({ map: MAP.services[family], key, value: { kind: 'jump', chain } });
  elements.push({ map: MAP.empty[family], key, value: emptyVerdict(service.whenEmpty, protocol) });
  return ok({
    name: service.name,
    family,
    protocol,
    chain,
    vip: vip.canonical,
    ...(slotMap ? { slotMap } : {}),
    ...(affinity ? { affinity } : {}),
    rules,
    elements,
  });
}
