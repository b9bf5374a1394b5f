/**
 * The golden cases as the commands one apply sends, each with the nft script
 * of the same commands: the wire goldens (`wire/testdata/<name>.batch`, nft's
 * own batch for the script, captured once by `lab/netlink-wire.kernel.test.ts`
 * with `UPDATE=1`) are checked against them offline by
 * `wire/golden-batch.test.ts`. Internal (not exported).
 * @module
 */
import { fileURLToPath } from 'node:url';
import type { DesiredState } from '@lbkit/core';
import { changeCommands } from '../render/changes.js';
import type { NftCommand } from '../render/commands.js';
import type { NftablesRenderOptions } from '../render/options.js';
import { printCommands } from '../render/print.js';
import { renderRuleset, rulesetCommands } from '../render/ruleset.js';
import { CHANGES, FULL } from './golden-cases.js';

/** One batch case: a full ruleset (cold apply) or a change on top of `previous`. */
export interface WireCase {
  readonly name: string;
  /** Applied (with nft) before the commands, for changes. */
  readonly previous?: DesiredState;
  readonly commands: readonly NftCommand[];
  readonly script: string;
  readonly options: NftablesRenderOptions;
}

/** A full-ruleset case. */
export const fullWireCase = (
  name: string,
  desired: DesiredState,
  options: NftablesRenderOptions = {},
): WireCase => ({
  name,
  commands: rulesetCommands(desired, options)._unsafeUnwrap(),
  script: renderRuleset(desired, options)._unsafeUnwrap(),
  options,
});

/** Every golden case (every scheduler, IPv6, UDP, options, cold apply; flips and other changes). */
export const WIRE_CASES: readonly WireCase[] = [
  ...FULL.map((c) => fullWireCase(c.name, c.desired, c.options)),
  ...CHANGES.map((c): WireCase => {
    const commands = changeCommands(c.previous, c.next, c.options)._unsafeUnwrap();
    const script = printCommands(commands, c.options?.table ?? 'lbkit');
    return { name: c.name, previous: c.previous, commands, script, options: c.options ?? {} };
  }),
];

/** Where a case's golden batch lives. */
export const batchGoldenPath = (name: string): string =>
  fileURLToPath(new URL(`../wire/testdata/${name}.batch`, import.meta.url));
