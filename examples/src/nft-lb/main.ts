#!/usr/bin/env node
/**
 * nft-lb: drop-in replacement of the vendor's `nft_lb.py`, built on lbkit.
 * See `examples/nft-lb/README.md`; `nft-lb --help` for the flags.
 *
 * The first thing it does is trap SIGHUP, SIGTERM and SIGINT (a SIGHUP while
 * it starts is kept and applied once it runs, not fatal); only then does it
 * load the rest (lbkit, the nftables transport), through a dynamic import the
 * bundler leaves alone (`nft-lb-cli.js` next to this file when built).
 */
import { trapSignals } from '../common/signals.js';

const signals = trapSignals();
const cli = import.meta.url.endsWith('.ts') ? './cli.ts' : './nft-lb-cli.js';
const { main } = (await import(cli)) as typeof import('./cli.js');
process.exitCode = await main(process.argv.slice(2), signals);
process.exit();
