/**
 * Command line of `nft-lb`, the drop-in replacement of the vendor's
 * `nft_lb.py`. Pure: argv in, options or a usage error out.
 */
import { parseArgs } from 'node:util';
import { parseAddress, SCHEDULERS, type Scheduler, type WhenEmpty } from '@lbkit/core';
import { err, ok, Result } from 'neverthrow';
import { parseDuration } from '../common/duration.js';

/** What `nft-lb` does with its rules file (`reload`: signal a running daemon). */
export type NftLbMode =
  | 'run'
  | 'check'
  | 'render'
  | 'render-keepalived'
  | 'render-conntrackd'
  | 'reload'
  | 'help'
  | 'version';

/** Everything the command line can set, defaults applied. */
export interface NftLbOptions {
  readonly mode: NftLbMode;
  /** Default `/opt/nft_lb_rules` (the vendor's path). */
  readonly rules: string;
  /** Probe interval in ms. Default 2000 (the vendor: 20 s). */
  readonly interval: number;
  /** Bound on one check in ms. Default 1000. */
  readonly timeout: number;
  /** Consecutive successes to come up. Default 2. */
  readonly rise: number;
  /** Consecutive failures to go down. Default 2 (the vendor: 1, so one lost SYN flaps). */
  readonly fall: number;
  /** nftables table (family inet). Default `nft_lb`. */
  readonly table: string;
  /**
   * Scheduler of every service. Default: none given, so `rr` (the vendor's
   * `numgen inc`), or `wrr` for a service whose lines give different weights
   * (rr would ignore them). Given explicitly, it applies to every service.
   */
  readonly scheduler?: Scheduler;
  /** Verdict for a service with no healthy destination. Default `reject`. */
  readonly whenEmpty: WhenEmpty;
  /** Packet mark for forwarded balanced traffic; 0 = none. Default 333444555 (the vendor's). */
  readonly forwardMark: number;
  /** SNAT balanced traffic (servers need no route back). Default false. */
  readonly masquerade: boolean;
  /** Also balance connections made on the balancer host itself. Default false. */
  readonly output: boolean;
  /** Keep the rules when stopped (restarts never cut traffic). Default false. */
  readonly keepOnExit: boolean;
  /** `HOST:PORT` of the Prometheus `/metrics` endpoint; undefined = off (default). */
  readonly metrics?: { readonly host: string; readonly port: number };
  /**
   * Accept a rules file that looks empty or cut short (no service line, or a
   * last line without its line end) and, on SIGHUP, one that removes more
   * than `maxRemove` of the running services or destinations. Default false.
   */
  readonly allowShrink: boolean;
  /** Share (0..1) of services or destinations a SIGHUP may remove without `--allow-shrink`. Default 0.5. */
  readonly maxRemove: number;
  /** `--reload PID`: the daemon to send SIGHUP to once it handles it. */
  readonly reloadPid?: number;
  /** HA options file (YAML/JSON, @lbkit/ha): run as one node of a keepalived VRRP pair. Default off. */
  readonly ha?: string;
  /** SNAT balanced traffic to these fixed (floating) addresses, one per family. Default off. */
  readonly snat?: { readonly ipv4?: string; readonly ipv6?: string };
  /**
   * The control socket (`nft-lb ctl`): a path (`--socket`), `false` (`--no-socket`),
   * or undefined for the default, `/run/nft-lb/TABLE.sock` (see `defaultSocketPath`).
   */
  readonly socket?: string | false;
}

/** Usage text. */
export const USAGE = `Usage: nft-lb [options]

Balances the services of a nft_lb.py rules file (svc|vip|port|node|ip[|weight])
with nftables, probing every destination over TCP.

  --rules PATH          rules file (default /opt/nft_lb_rules)
  --check               validate the rules file, print every problem with its line, exit 1 if any
  --render              print the nft ruleset it would apply (every destination up) and exit
  --interval DURATION   probe interval (default 2s; 150ms, 2s, 1m, or integer ms)
  --timeout DURATION    bound on one probe (default 1s)
  --rise N              successes before a destination is used (default 2)
  --fall N              failures before a destination is removed (default 2)
  --table NAME          nftables table, family inet (default nft_lb)
  --scheduler NAME      rr | wrr | random | sh | mh for every service (default rr,
                        or wrr for a service whose lines give different weights)
  --when-empty VERDICT  reject | drop, for a service with no healthy destination (default reject)
  --forward-mark N      mark forwarded balanced packets (default 333444555; 0 = off)
  --masquerade          SNAT balanced traffic so replies return without route changes
  --output              also balance connections made on this host (nat output hook)
  --keep-on-exit        keep the rules on SIGTERM/SIGINT (a restart then takes over with no gap)
  --metrics HOST:PORT   serve Prometheus metrics on http://HOST:PORT/metrics (default off)
  --allow-shrink        accept a rules file that is empty or cut short (last line without
                        a line end), and a SIGHUP that removes more than --max-remove
  --max-remove PERCENT  most services or destinations a SIGHUP may remove (default 50%)
  --reload PID          send SIGHUP to the daemon PID once it handles it (for ExecReload)
  --ha PATH             run as one node of a balancer pair: keepalived VRRP from this
                        HA options file (YAML/JSON); --check validates it too
  --snat ADDRESS        SNAT balanced traffic to this fixed address (a floating one on
                        a pair: the inner VIP); once per family; excludes --masquerade
  --socket PATH         control socket for nft-lb ctl (default /run/nft-lb/TABLE.sock,
                        in a named network namespace /run/nft-lb/TABLE.netns-NAME.sock)
  --no-socket           no control socket
  --render-keepalived   print the keepalived.conf the --ha file gives and exit
  --render-conntrackd   print the conntrackd.conf of the --ha file's conntrackd section and exit
  -h, --help            this text
  --version             the version

Signals: SIGHUP re-reads the rules file and applies only the difference
(a bad, empty, cut-short or mostly-removing file is reported and the running
configuration kept); SIGTERM/SIGINT stop.

Control: nft-lb ctl status | drain SERVICE/DEST | disable SERVICE/DEST |
enable SERVICE/DEST | reload talks to the running daemon over its control
socket (root only: directory 0700, socket 0600); nft-lb ctl --help for more.`;

const positiveInt = (text: string, flag: string, max: number): Result<number, string> =>
  /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= max
    ? ok(Number(text))
    : err(`${flag} must be an integer 1..${max}, got ${JSON.stringify(text)}`);

const duration = (text: string, flag: string): Result<number, string> => {
  const ms = parseDuration(text);
  return ms !== undefined && ms >= 1 && ms <= 86_400_000
    ? ok(ms)
    : err(`${flag} must be a duration like 150ms, 2s or 1m, got ${JSON.stringify(text)}`);
};

/** Parses `nft-lb`'s argv (without `node` and the script). */
export function parseNftLbArgs(argv: readonly string[]): Result<NftLbOptions, string> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        rules: { type: 'string', default: '/opt/nft_lb_rules' },
        check: { type: 'boolean', default: false },
        render: { type: 'boolean', default: false },
        interval: { type: 'string', default: '2s' },
        timeout: { type: 'string', default: '1s' },
        rise: { type: 'string', default: '2' },
        fall: { type: 'string', default: '2' },
        table: { type: 'string', default: 'nft_lb' },
        scheduler: { type: 'string' },
        'when-empty': { type: 'string', default: 'reject' },
        'forward-mark': { type: 'string', default: '333444555' },
        masquerade: { type: 'boolean', default: false },
        output: { type: 'boolean', default: false },
        'keep-on-exit': { type: 'boolean', default: false },
        metrics: { type: 'string' },
        'allow-shrink': { type: 'boolean', default: false },
        'max-remove': { type: 'string', default: '50%' },
        reload: { type: 'string' },
        ha: { type: 'string' },
        snat: { type: 'string', multiple: true },
        socket: { type: 'string' },
        'no-socket': { type: 'boolean', default: false },
        'render-keepalived': { type: 'boolean', default: false },
        'render-conntrackd': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return err((error as Error).message);
  }
  const text = (key: string): string => String(values[key] ?? '');
  const flag = (key: string): boolean => values[key] === true;
  const modes = ['check', 'render', 'render-keepalived', 'render-conntrackd'].filter(flag);
  if (values['reload'] !== undefined) modes.push('reload');
  if (modes.length > 1) return err(`--${modes.join(' and --')} exclude each other`);
  for (const render of ['render-keepalived', 'render-conntrackd']) {
    if (flag(render) && values['ha'] === undefined) return err(`--${render} needs --ha PATH`);
  }
  const mode: NftLbMode = flag('help')
    ? 'help'
    : flag('version')
      ? 'version'
      : flag('check')
        ? 'check'
        : flag('render')
          ? 'render'
          : flag('render-keepalived')
            ? 'render-keepalived'
            : flag('render-conntrackd')
              ? 'render-conntrackd'
              : values['reload'] !== undefined
                ? 'reload'
                : 'run';

  const scheduler = values['scheduler'] === undefined ? undefined : text('scheduler');
  if (scheduler !== undefined && !(SCHEDULERS as readonly string[]).includes(scheduler)) {
    return err(
      `--scheduler must be one of ${SCHEDULERS.join(', ')}, got ${JSON.stringify(scheduler)}`,
    );
  }
  const share = /^(\d{1,3})%?$/.exec(text('max-remove'));
  if (!share || Number(share[1]) > 100) {
    return err(
      `--max-remove must be a percentage 0..100, got ${JSON.stringify(text('max-remove'))}`,
    );
  }
  let reloadPid: number | undefined;
  if (values['reload'] !== undefined) {
    reloadPid = Number(text('reload'));
    if (!/^\d{1,10}$/.test(text('reload')) || reloadPid < 2 || reloadPid > 0x3fffffff) {
      return err(`--reload must be a process id, got ${JSON.stringify(text('reload'))}`);
    }
  }
  const whenEmpty = text('when-empty');
  if (whenEmpty !== 'reject' && whenEmpty !== 'drop') {
    return err(`--when-empty must be reject or drop, got ${JSON.stringify(whenEmpty)}`);
  }
  const mark = text('forward-mark');
  if (!/^\d{1,10}$/.test(mark) || Number(mark) > 0xffffffff) {
    return err(`--forward-mark must be an integer 0..4294967295, got ${JSON.stringify(mark)}`);
  }
  let metrics: NftLbOptions['metrics'];
  if (values['metrics'] !== undefined) {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+|localhost)):(\d{1,5})$/.exec(text('metrics'));
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      return err(
        `--metrics must be HOST:PORT (e.g. 127.0.0.1:9333), got ${JSON.stringify(text('metrics'))}`,
      );
    }
    metrics = { host: match[1] ?? match[2] ?? '127.0.0.1', port };
  }
  const socket = socketOf(values['socket'] as string | undefined, flag('no-socket'));
  if (socket.isErr()) return err(socket.error);
  const rules = text('rules');
  if (rules === '') return err('--rules needs a path');
  if (values['ha'] !== undefined && text('ha') === '') return err('--ha needs a path');
  const snat = snatOf((values['snat'] as string[] | undefined) ?? []);
  if (snat.isErr()) return err(snat.error);
  if (snat.value !== undefined && flag('masquerade')) {
    return err('--snat and --masquerade exclude each other');
  }

  return Result.combine([
    duration(text('interval'), '--interval'),
    duration(text('timeout'), '--timeout'),
    positiveInt(text('rise'), '--rise', 100),
    positiveInt(text('fall'), '--fall', 100),
  ]).map(([interval, timeout, rise, fall]) => ({
    mode,
    rules,
    interval,
    timeout,
    rise,
    fall,
    table: text('table'),
    ...(scheduler !== undefined && { scheduler: scheduler as Scheduler }),
    whenEmpty,
    forwardMark: Number(mark),
    masquerade: flag('masquerade'),
    output: flag('output'),
    keepOnExit: flag('keep-on-exit'),
    ...(metrics !== undefined && { metrics }),
    allowShrink: flag('allow-shrink'),
    maxRemove: Number(share[1]) / 100,
    ...(reloadPid !== undefined && { reloadPid }),
    ...(values['ha'] !== undefined && { ha: text('ha') }),
    ...(snat.value !== undefined && { snat: snat.value }),
    ...(socket.value !== undefined && { socket: socket.value }),
  }));
}

/** `--socket PATH` / `--no-socket`: an absolute path that fits a unix socket address. */
function socketOf(
  path: string | undefined,
  none: boolean,
): Result<string | false | undefined, string> {
  if (none && path !== undefined) return err('--socket and --no-socket exclude each other');
  if (none) return ok(false);
  if (path === undefined) return ok(undefined);
  if (
    !path.startsWith('/') ||
    path.endsWith('/') ||
    Buffer.byteLength(path) > 107 ||
    path.includes('\0')
  ) {
    return err(
      `--socket must be an absolute file path of at most 107 bytes, got ${JSON.stringify(path)}`,
    );
  }
  return ok(path);
}

/** `--snat` values: one IPv4 and/or one IPv6 address. */
function snatOf(
  values: readonly string[],
): Result<{ ipv4?: string; ipv6?: string } | undefined, string> {
  if (values.length === 0) return ok(undefined);
  const out: { ipv4?: string; ipv6?: string } = {};
  for (const value of values) {
    const parsed = parseAddress(value);
    if (!parsed) return err(`--snat must be an IPv4 or IPv6 address, got ${JSON.stringify(value)}`);
    const key = parsed.family === 4 ? 'ipv4' : 'ipv6';
    if (out[key] !== undefined) return err(`--snat: one IPv${parsed.family} address only`);
    out[key] = parsed.canonical;
  }
  return ok(out);
}
