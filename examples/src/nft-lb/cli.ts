/**
 * `nft-lb`'s modes behind the entry point (`main.ts` traps signals first and
 * then loads this): help, version, `--check`, `--render`, `--render-keepalived`,
 * `--render-conntrackd`,
 * `--reload PID`, `ctl` (the control socket's client), and the daemon. Log lines are escaped, capped and survive a closed stdout.
 */
import { createLogOutput } from '../common/log-output.js';
import type { TrappedSignals } from '../common/signals.js';
import { checkPairFile, renderPairConntrackd, renderPairFile } from '../ha/pair-node.js';
import { parseNftLbArgs, USAGE } from './cli-args.js';
import { CTL_USAGE, parseCtlArgs } from './ctl-args.js';
import { runCtl } from './ctl-client.js';
import { runDaemon } from './daemon.js';
import { reloadWhenHandled } from './reload-pid.js';
import {
  backendOptionsProblem,
  checkFailure,
  checkSummary,
  renderForRules,
} from './render-mode.js';
import { ignoredWeights, loadRules } from './rules.js';

/** Runs `nft-lb` with `argv` (without node and the script); resolves with the exit code. */
export async function main(argv: readonly string[], signals: TrappedSignals): Promise<number> {
  const log = createLogOutput();
  if (argv[0] === 'ctl') {
    const ctl = parseCtlArgs(argv.slice(1));
    if (ctl.isErr()) {
      log.warn(`nft-lb ctl: ${ctl.error}`);
      log.print(`\n${CTL_USAGE}\n`, 'stderr');
      return 2;
    }
    return runCtl(ctl.value, log);
  }
  const parsed = parseNftLbArgs(argv);
  if (parsed.isErr()) {
    log.warn(`nft-lb: ${parsed.error}`);
    log.print(`\n${USAGE}\n`, 'stderr');
    return 2;
  }
  const options = parsed.value;
  switch (options.mode) {
    case 'help':
      log.print(`${USAGE}\n`);
      return 0;
    case 'version':
      log.print('nft-lb 0.1.0 (lbkit)\n');
      return 0;
    case 'reload': {
      const sent = await reloadWhenHandled(options.reloadPid ?? 0);
      if (sent.isErr()) log.warn(`nft-lb --reload: ${sent.error}`);
      return sent.isErr() ? 1 : 0;
    }
    case 'check': {
      const flags = backendOptionsProblem(options);
      if (flags !== undefined)
        log.warn(`nft-lb: --table ${JSON.stringify(options.table)}: ${flags}`);
      const loaded = await loadRules(options);
      let code = flags === undefined ? 0 : 1;
      if (loaded.isErr()) {
        for (const line of checkFailure(loaded.error)) log.warn(line);
        code = 1;
      } else {
        for (const line of ignoredWeights(loaded.value)) log.warn(`${options.rules}: ${line}`);
        if (code === 0) log.info(checkSummary(loaded.value, options.rules));
      }
      // The HA file is checked whatever the rules gave: one run reports both.
      if (options.ha !== undefined && !(await checkPairFile(options.ha, log))) code = 1;
      return code;
    }
    case 'render-conntrackd': {
      const conf = await renderPairConntrackd(options.ha ?? '');
      if (conf.isErr()) {
        for (const line of conf.error) log.warn(line);
        return 1;
      }
      log.print(conf.value);
      return 0;
    }
    case 'render-keepalived': {
      const conf = await renderPairFile(options.ha ?? '');
      if (conf.isErr()) {
        for (const line of conf.error) log.warn(line);
        return 1;
      }
      log.print(conf.value);
      return 0;
    }
    case 'render': {
      const loaded = await loadRules(options);
      if (loaded.isErr()) {
        for (const line of checkFailure(loaded.error)) log.warn(line);
        return 1;
      }
      const script = renderForRules(loaded.value, options);
      if (script.isErr()) {
        log.warn(script.error);
        return 1;
      }
      log.print(script.value);
      return 0;
    }
    case 'run':
      return runDaemon(options, { info: log.info, warn: log.warn }, signals);
  }
}
