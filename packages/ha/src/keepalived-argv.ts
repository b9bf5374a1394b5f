/**
 * keepalived's command lines, from a validated config. Pure.
 * @module
 */
import type { HaConfig } from './options.js';

/**
 * The argv that runs keepalived for `config`: in the foreground (`-n`),
 * logging to the console (`-l`, lbkit forwards the lines) and not to syslog
 * (`-G`), VRRP only (`-P`), with its own config and pid files. With `netns`
 * keepalived enters that namespace itself (`-s`); with `launchNetns` it is
 * started from that one (`ip netns exec`, which execs: the pid is
 * keepalived's), so that it can watch processes from the initial namespace.
 */
export function keepalivedArgv(config: HaConfig): string[] {
  const f = config.files;
  const argv = [
    config.binary,
    ...(config.netns !== undefined ? ['-s', config.netns] : []),
    '-n',
    '-l',
    '-G',
    '-P',
    '-f',
    f.config,
    '-p',
    f.pid,
    '-r',
    f.vrrpPid,
    '-c',
    f.checkersPid,
  ];
  return config.launchNetns !== undefined
    ? ['ip', 'netns', 'exec', config.launchNetns, ...argv]
    : argv;
}

/** The argv of `keepalived -t` (config test) on the rendered file, in keepalived's namespace. */
export function configTestArgv(config: HaConfig): string[] {
  const test = [config.binary, '-t', '-f', config.files.config];
  return config.netns !== undefined ? ['ip', 'netns', 'exec', config.netns, ...test] : test;
}

/**
 * One `ip` run that removes floating addresses (after keepalived died holding
 * them): `ip [-n NETNS] -force -batch -` and its input, one `address del`
 * line per VIP. With `-force` it goes on past a line that fails (an address
 * that is not there) and reports it as `Command failed -:<line>`.
 */
export function removeAddressesCommand(
  config: HaConfig,
  vips: readonly {
    readonly address: string;
    readonly prefix: number;
    readonly interface: string;
  }[],
): { readonly argv: string[]; readonly input: string } {
  return {
    argv: [
      'ip',
      ...(config.netns !== undefined ? ['-n', config.netns] : []),
      '-force',
      '-batch',
      '-',
    ],
    input: vips.map((v) => `address del ${v.address}/${v.prefix} dev ${v.interface}\n`).join(''),
  };
}
