#!/usr/bin/env node
/**
 * nft-lb: drop-in replacement of the vendor's `nft_lb.py`, built on lbkit.
 * See `examples/nft-lb/README.md`; `nft-lb --help` for the flags.
 */
import { formatConfigIssue } from '@lbkit/core';
import { checkPairFile, renderPairFile } from '../ha/pair-node.js';
import { parseNftLbArgs, USAGE } from './cli-args.js';
import { runDaemon } from './daemon.js';
import { checkFailure, checkSummary, renderForRules } from './render-mode.js';
import { loadRules } from './rules.js';

const journald = process.env['JOURNAL_STREAM'] !== undefined;
// Under systemd, `<N>` prefixes set the journal priority (SyslogLevelPrefix=yes).
const info = (line: string): void => void process.stdout.write(`${journald ? '<6>' : ''}${line}\n`);
const warn = (line: string): void => void process.stderr.write(`${journald ? '<4>' : ''}${line}\n`);

const parsed = parseNftLbArgs(process.argv.slice(2));
if (parsed.isErr()) {
  warn(`nft-lb: ${parsed.error}\n\n${USAGE}`);
  process.exit(2);
}
const options = parsed.value;

switch (options.mode) {
  case 'help':
    info(USAGE);
    break;
  case 'version':
    info('nft-lb 0.1.0 (lbkit)');
    break;
  case 'check': {
    const loaded = await loadRules(options);
    if (loaded.isErr()) {
      for (const line of checkFailure(loaded.error, formatConfigIssue)) warn(line);
      process.exitCode = 1;
    } else {
      info(checkSummary(loaded.value, options.rules));
    }
    if (options.ha !== undefined && !(await checkPairFile(options.ha, { info, warn }))) {
      process.exitCode = 1;
    }
    break;
  }
  case 'render-keepalived': {
    const conf = await renderPairFile(options.ha ?? '');
    if (conf.isErr()) {
      for (const line of conf.error) warn(line);
      process.exitCode = 1;
    } else {
      process.stdout.write(conf.value);
    }
    break;
  }
  case 'render': {
    const loaded = await loadRules(options);
    if (loaded.isErr()) {
      for (const line of checkFailure(loaded.error, formatConfigIssue)) warn(line);
      process.exitCode = 1;
      break;
    }
    const script = renderForRules(loaded.value, options);
    if (script.isErr()) {
      warn(script.error);
      process.exitCode = 1;
    } else {
      process.stdout.write(script.value);
    }
    break;
  }
  case 'run':
    process.exitCode = await runDaemon(options, { info, warn });
    process.exit();
}
