/**
 * keepalived's command lines, from a validated config. Pure.
 * @module
 */
import type { HaConfig } from './options.js';

/** The host's initial network namespace, as `nsenter` names it. */
export const INITIAL_NETNS = '/proc/1/ns/net';

/**
 * The argv that runs keepalived for `config`: in the foreground (`-n`),
 * logging to the console (`-l`, lbkit forwards the lines) and not to syslog
 * (`-G`), VRRP only (`-P`), with its own config and pid files. With
 * `netns`, keepalived enters that namespace itself (`-s`); when lbkit is not
 * in the host's initial namespace it is started there (`nsenter`), because
 * keepalived can watch processes (track_process, the kernel's proc connector)
 * only from the initial namespace.
 */
export function keepalivedArgv(config: HaConfig, inInitialNetns: boolean): string[] {
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
  return config.netns !== undefined && !inInitialNetns
    ? ['nsenter', `--net=${INITIAL_NETNS}`, '--', ...argv]
    : argv;
}

/** The argv of `keepalived -t` (config test) on the rendered file, in keepalived's namespace. */
export function configTestArgv(config: HaConfig): string[] {
  const test = [config.binary, '-t', '-f', config.files.config];
  return config.netns !== undefined ? ['ip', 'netns', 'exec', config.netns, ...test] : test;
}

/** The argv that removes one floating address (after keepalived died holding it). */
export function removeAddressArgv(
  config: HaConfig,
  vip: { readonly address: string; readonly prefix: number; readonly interface: string },
): string[] {
  return [
    'ip',
    ...(config.netns !== undefined ? ['-n', config.netns] : []),
    'address',
    'del',
    `${vip.address}/${vip.prefix}`,
    'dev',
    vip.interface,
  ];
}
