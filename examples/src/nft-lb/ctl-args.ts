/**
 * Command line of `nft-lb ctl`, the client of a running daemon's control
 * socket. Pure: argv (after `ctl`) in, options or a usage error out.
 */
import { parseArgs } from 'node:util';
import { isValidName } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';
import { type CtlRequest, parseDrainUntil } from './ctl-protocol.js';

/** What `nft-lb ctl` does. */
export interface CtlOptions {
  /** Print the usage and exit 0. */
  readonly help: boolean;
  /** The socket: `--socket PATH`, else derived from `table` (see `defaultSocketPath`). */
  readonly socket?: string;
  /** `--table NAME`, for the default socket path. Default `nft_lb`. */
  readonly table: string;
  /** Print the daemon's JSON answer as it is (for scripts). Default false. */
  readonly json: boolean;
  /** The request; absent with `help`. */
  readonly request?: CtlRequest;
}

/** Usage text of `nft-lb ctl`. */
export const CTL_USAGE = `Usage: nft-lb ctl [--socket PATH | --table NAME] [--json] COMMAND

Talks to a running nft-lb through its control socket (root only).

Commands:
  status                   services and destinations: health, operator state, serving
  drain SERVICE/DEST       no new flows to DEST, existing connections continue
    [--until idle|MS]      then remove DEST once its flows reach 0; with MS, after
                           MS at the latest (idle: no time limit)
    [--deadline MS]        with --until idle: the same limit
  disable SERVICE/DEST     DEST out of the service, whatever its health
  enable SERVICE/DEST      back to normal (undoes drain and disable)
  reload                   re-read the rules file, as SIGHUP does, and report the
                           outcome: applied, or every problem with its file:line

  --socket PATH            the daemon's socket (default /run/nft-lb/TABLE.sock; in a
                           named network namespace /run/nft-lb/TABLE.netns-NAME.sock)
  --table NAME             the daemon's --table, for the default socket (default nft_lb)
  --json                   print the daemon's JSON answer (one line) instead of text
  -h, --help               this text

Exit status: 0 done, 1 refused or failed (unknown name, bad rules file, no
daemon), 2 usage error. drain, disable, enable and reload answer once the
kernel is updated (or say the update is still pending).`;

/** Parses `nft-lb ctl`'s argv (the words after `ctl`). */
export function parseCtlArgs(argv: readonly string[]): Result<CtlOptions, string> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof CTL_FLAGS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: CTL_FLAGS,
    });
  } catch (error) {
    return err((error as Error).message);
  }
  const { values, positionals } = parsed;
  const table = values.table ?? 'nft_lb';
  const base = {
    help: values.help === true,
    table,
    json: values.json === true,
    ...(values.socket !== undefined && { socket: values.socket }),
  };
  if (values.socket !== undefined && values.table !== undefined) {
    return err('--socket and --table exclude each other');
  }
  if (values.socket !== undefined && !values.socket.startsWith('/')) {
    return err(`--socket must be an absolute path, got ${JSON.stringify(values.socket)}`);
  }
  if (base.help) return ok(base);
  const [command, target, ...rest] = positionals;
  if (command === undefined)
    return err('a command is needed: status, drain, disable, enable or reload');
  if (command === 'status' || command === 'reload') {
    if (target !== undefined)
      return err(`${command} takes no argument, got ${JSON.stringify(target)}`);
    return ok({ ...base, request: { command } });
  }
  if (command !== 'drain' && command !== 'enable' && command !== 'disable') {
    return err(
      `unknown command ${JSON.stringify(command)} (status, drain, disable, enable, reload)`,
    );
  }
  if (target === undefined || rest.length > 0)
    return err(`${command} takes one SERVICE/DESTINATION`);
  const [service, destination, more] = target.split('/');
  if (
    more !== undefined ||
    service === undefined ||
    destination === undefined ||
    !isValidName(service) ||
    !isValidName(destination)
  ) {
    return err(
      `${command}: expected SERVICE/DESTINATION like web/s1, got ${JSON.stringify(target)}`,
    );
  }
  if (command !== 'drain' && (values.until !== undefined || values.deadline !== undefined)) {
    return err('--until and --deadline go with drain only');
  }
  const drain = parseDrainUntil(drainMs(values.until), drainMs(values.deadline));
  if (drain.isErr())
    return err(drain.error.replace(/\buntil\b/, '--until').replace(/\bdeadline\b/, '--deadline'));
  return ok({
    ...base,
    request: { command, service, destination, ...(drain.value && { drain: drain.value }) },
  });
}

/** `idle` stays a word; digits become ms; anything else is passed on for the error. */
const drainMs = (value: string | undefined): unknown =>
  value === undefined || value === 'idle' ? value : /^\d{1,9}$/.test(value) ? Number(value) : value;

const CTL_FLAGS = {
  until: { type: 'string' },
  deadline: { type: 'string' },
  socket: { type: 'string' },
  table: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
