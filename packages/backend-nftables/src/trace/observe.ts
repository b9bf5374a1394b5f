/**
 * Reads a table of the state model back as core's `ObservedState`: the read
 * path of `FakeNft`. A service is an element of the dispatch maps
 * (`services4/6`: `vip . proto . port : jump svc_<name>`); its destinations are
 * the slots its chain's dnat rule can select (`numgen`/`jhash` mod K over the
 * slot map, deduplicated, weight = slots per destination / gcd), its empty
 * verdict its element of `empty4/6`. Pure.
 * @module
 */
import type { ObservedDestination, ObservedService, ObservedState, WhenEmpty } from '@lbkit/core';
import { CHAIN, MAP, serviceFromChain } from '../names.js';
import type { NftTableState } from './state.js';
import { DNAT_RULE, DNAT_TO_RULE, PICK_RULE } from './tracer.js';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function emptyVerdict(value: string | undefined): WhenEmpty | undefined {
  if (value === 'drop') return 'drop';
  if (value === `goto ${CHAIN.emptyRejectTcp}` || value === `goto ${CHAIN.emptyRejectUdp}`) {
    return 'reject';
  }
  return undefined;
}

function destinationsOf(
  table: NftTableState,
  chainName: string,
  vip: string,
  port: number,
): { destinations: ObservedDestination[]; scheduler?: string } {
  const chain = table.chains.get(chainName);
  for (const rule of chain?.rules ?? []) {
    const m = DNAT_RULE.exec(rule);
    if (!m) continue;
    const modulus = Number(m[6] ?? m[8]);
    const map = table.maps.get(m[10]!);
    const slots = new Map<string, number>();
    for (let s = 0; s < modulus; s++) {
      const value = map?.elements.get(`${vip} . ${port} . ${s}`);
      if (value !== undefined) slots.set(value, (slots.get(value) ?? 0) + 1);
    }
    const g = [...slots.values()].reduce(gcd, 0) || 1;
    const destinations = [...slots].map(([value, n]) => {
      const [address, dport] = value.split(' . ') as [string, string];
      return { address, port: Number(dport), weight: n / g };
    });
    const scheduler = m[5]!.startsWith('jhash') ? 'jhash' : m[5]!.split(' mod ')[0]!;
    return { destinations, scheduler };
  }
  return pickedDestinations(table, chain?.rules ?? []);
}

/** A persistence service: its pick rule's slots, each `goto` a chain that DNATs to one destination. */
function pickedDestinations(
  table: NftTableState,
  rules: readonly string[],
): { destinations: ObservedDestination[]; scheduler?: string } {
  for (const rule of rules) {
    const m = PICK_RULE.exec(rule);
    if (!m) continue;
    const modulus = Number(m[1] ?? m[3]);
    const map = table.maps.get(m[5]!);
    const slots = new Map<string, number>();
    for (let s = 0; s < modulus; s++) {
      const chain = /^goto (\S+)$/.exec(map?.elements.get(String(s)) ?? '')?.[1];
      const dnat = (table.chains.get(chain ?? '')?.rules ?? [])
        .map((r) => DNAT_TO_RULE.exec(r))
        .find((x) => x !== null);
      if (!dnat) continue;
      const value = `${dnat[3] ?? dnat[4]} . ${dnat[5]}`;
      slots.set(value, (slots.get(value) ?? 0) + 1);
    }
    const g = [...slots.values()].reduce(gcd, 0) || 1;
    const destinations = [...slots].map(([value, n]) => {
      const [address, dport] = value.split(' . ') as [string, string];
      return { address, port: Number(dport), weight: n / g };
    });
    const scheduler = m[1] === undefined ? 'jhash' : rule.split(' mod ')[0]!;
    return { destinations, scheduler };
  }
  return { destinations: [] };
}

/** The services of `table` (sorted by key text), as `parseObservedState` gives them for the kernel. */
export function observeTable(table: NftTableState | undefined): ObservedState {
  if (!table) return { services: [] };
  const services: ObservedService[] = [];
  for (const family of [4, 6] as const) {
    const dispatch = table.maps.get(MAP.services[family]);
    const empty = table.maps.get(MAP.empty[family]);
    for (const [key, value] of dispatch?.elements ?? []) {
      const [vip, protocol, portText] = key.split(' . ') as [string, 'tcp' | 'udp', string];
      const port = Number(portText);
      const chain = /^jump (\S+)$/.exec(value ?? '')?.[1];
      if (!chain) continue;
      const name = serviceFromChain(chain);
      const whenEmpty = emptyVerdict(empty?.elements.get(key));
      const { destinations, scheduler } = destinationsOf(table, chain, vip, port);
      services.push({
        key: { vip, port, protocol },
        ...(name === undefined ? {} : { name }),
        ...(scheduler === undefined || destinations.length === 0 ? {} : { scheduler }),
        ...(whenEmpty === undefined ? {} : { whenEmpty }),
        destinations,
      });
    }
  }
  const text = (s: ObservedService) => `${s.key.vip}|${s.key.protocol}|${s.key.port}`;
  return { services: services.sort((a, b) => text(a).localeCompare(text(b))) };
}
