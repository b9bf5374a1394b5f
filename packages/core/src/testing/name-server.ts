/** Options for `dnsmasqNameServerArgv`. */
export interface DnsmasqNameServerOptions {
  /** Text of the `health.load.balance` TXT record, e.g. `=nameserver-1=` (the article's). */
  readonly txt: string;
  /** Listen only on this address (with `--bind-interfaces`). Default: every interface. */
  readonly listen?: string;
  /** UDP and TCP port. Default 53. */
  readonly port?: number;
  /** Log every query to stderr (shows the client address the server sees). Default false. */
  readonly logQueries?: boolean;
}

/**
 * The argv of a dnsmasq name server for lab namespaces: foreground, no config
 * file, no upstream, no pid file, logging to stderr (it prints "started" when
 * it listens), answering `health.load.balance TXT` with `txt` — the keepalived
 * article's way for each server to say who answered.
 */
export function dnsmasqNameServerArgv(options: DnsmasqNameServerOptions): string[] {
  return [
    'dnsmasq',
    '--no-daemon',
    '--conf-file=/dev/null',
    `--port=${options.port ?? 53}`,
    '--no-resolv',
    '--no-hosts',
    '--user=root',
    '--pid-file',
    '--log-facility=-',
    ...(options.listen ? [`--listen-address=${options.listen}`, '--bind-interfaces'] : []),
    ...(options.logQueries ? ['--log-queries'] : []),
    `--txt-record=health.load.balance,${options.txt}`,
  ];
}
