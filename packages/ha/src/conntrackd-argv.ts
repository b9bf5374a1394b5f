/**
 * conntrackd's command lines and the standard primary/backup sequence
 * (conntrack-tools' `primary-backup.sh`), from a validated config. Pure.
 * @module
 */
import type { ConntrackdConfig, HaConfig } from './options.js';

/** `ip netns exec NS` in front of `argv` when the pair runs in a namespace. */
const inNetns = (config: HaConfig, argv: string[]): string[] =>
  config.netns !== undefined ? ['ip', 'netns', 'exec', config.netns, ...argv] : argv;

/**
 * The argv that runs conntrackd for `config` in the foreground (no `-d`: it
 * logs to its console, lbkit forwards the lines), in the pair's namespace
 * (conntrack tables and the sync link are per namespace).
 */
export function conntrackdArgv(config: HaConfig, c: ConntrackdConfig): string[] {
  return inNetns(config, [c.binary, '-C', c.files.config]);
}

/**
 * A client command to the running conntrackd (through its UNIX socket, so no
 * namespace is needed): `conntrackd -C <file> <args>`.
 */
export const conntrackdCommandArgv = (c: ConntrackdConfig, args: readonly string[]): string[] => [
  c.binary,
  '-C',
  c.files.config,
  ...args,
];

/** `nft -f -` in the pair's namespace (the takeover guard's scripts on stdin). */
export const nftScriptArgv = (config: HaConfig): string[] => inNetns(config, ['nft', '-f', '-']);

/**
 * One step of a role change:
 * - `commit` (`-c`): the external cache (the peer's flows) into the kernel table,
 * - `flush` (`-f`): both caches emptied,
 * - `resync` (`-R`): the internal cache read anew from the kernel table,
 * - `bulk` (`-B`): every flow sent to the peer,
 * - `purge` (`-t`): the kernel's timers shortened (the flows this node no longer forwards expire),
 * - `request` (`-n`): a full resync asked of the peer,
 * - `arm` / `disarm`: the takeover guard on / off.
 */
export type SyncStep =
  | 'commit'
  | 'flush'
  | 'resync'
  | 'bulk'
  | 'purge'
  | 'request'
  | 'arm'
  | 'disarm';

/** conntrackd's flag of each conntrackd step. */
export const STEP_FLAGS: Readonly<Record<Exclude<SyncStep, 'arm' | 'disarm'>, string>> = {
  commit: '-c',
  flush: '-f',
  resync: '-R',
  bulk: '-B',
  purge: '-t',
  request: '-n',
};

/**
 * The steps for a new role: master commits first and then lets old flows in
 * (disarm), then takes over the syncing (flush, resync, bulk); backup arms
 * first, then purges and asks the new master for its flows; any other role
 * (fault, stop) arms and purges. Without the guard, `arm`/`disarm` are left out.
 */
export function roleSteps(role: string, guard: boolean): SyncStep[] {
  const steps: SyncStep[] =
    role === 'master'
      ? ['commit', 'disarm', 'flush', 'resync', 'bulk']
      : role === 'backup'
        ? ['arm', 'purge', 'request']
        : ['arm', 'purge'];
  return guard ? steps : steps.filter((s) => s !== 'arm' && s !== 'disarm');
}
