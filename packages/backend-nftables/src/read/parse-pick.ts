/**
 * Reading a persistence service's scheduler back from nft JSON: `<selector>
 * vmap @pick_<service>` whose elements send each slot to a destination chain
 * (`goto aff3_web_A`, which DNATs to one address), and the sticky rules
 * (`ip saddr @aff3_web_A goto aff3_web_A`) that depend on the kernel's
 * dynamic state and are skipped. Pure.
 * @module
 */
import type { ObservedDestination } from '@lbkit/core';
import { isObject, type NftTableIndex, soleKey } from './nft-json.js';

/** What one destination chain decides: its single destination, if any. */
export type WalkDestination = (chain: string) => ObservedDestination | undefined;

/**
 * True for a rule that matches the packet against a named set the kernel
 * fills itself (`flags dynamic`: an affinity set): whether it applies depends
 * on earlier traffic, so a reader of the table skips it.
 */
export function isStickyRule(index: NftTableIndex, rule: readonly unknown[]): boolean {
  return rule.some((stmt) => {
    if (!isObject(stmt) || !isObject(stmt.match)) return false;
    const right = stmt.match.right;
    if (typeof right !== 'string' || !right.startsWith('@')) return false;
    return index.maps.get(right.slice(1))?.dynamic === true;
  });
}

/**
 * The destinations of a `vmap` statement keyed by a selector (`numgen`,
 * `jhash`) over a named pick map, each slot followed to its destination
 * chain; weights = slots per destination / gcd. `undefined` when the
 * statement is no such pick.
 */
export function readPick(
  index: NftTableIndex,
  body: unknown,
  walk: WalkDestination,
): { destinations: ObservedDestination[]; scheduler: string } | undefined {
  if (!isObject(body) || typeof body.data !== 'string' || !body.data.startsWith('@')) return;
  const kind = soleKey(body.key);
  if (kind !== 'numgen' && kind !== 'jhash') return undefined;
  const selector = isObject(body.key) ? body.key[kind] : undefined;
  if (!isObject(selector) || typeof selector.mod !== 'number') return undefined;
  const mod = selector.mod;
  const scheduler = kind === 'numgen' ? `numgen ${String(selector.mode)}` : 'jhash';
  const map = index.maps.get(body.data.slice(1));
  if (!map) return undefined;
  const byDest = new Map<string, ObservedDestination & { weight: number }>();
  for (const pair of map.elem) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const slot = pair[0];
    if (typeof slot !== 'number' || slot < 0 || slot >= mod) continue;
    const verdict = soleKey(pair[1]);
    const target =
      (verdict === 'goto' || verdict === 'jump') && isObject(pair[1])
        ? (pair[1][verdict] as { target?: unknown } | undefined)?.target
        : undefined;
    const dest = typeof target === 'string' ? walk(target) : undefined;
    if (!dest) continue;
    const id = `${dest.address}|${dest.port}`;
    const entry = byDest.get(id) ?? { address: dest.address, port: dest.port, weight: 0 };
    entry.weight += 1;
    byDest.set(id, entry);
  }
  const destinations = [...byDest.values()];
  const g = destinations.reduce((acc, d) => gcd(acc, d.weight), 0) || 1;
  for (const d of destinations) d.weight /= g;
  return { destinations, scheduler };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
