import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ObservedDestination, ObservedService, ObservedState, Protocol } from '@lbkit/core';

/** Path of the `ipvsadm` binary (Debian package `ipvsadm`), or `undefined`. */
export const IPVSADM: string | undefined = ['/usr/sbin/ipvsadm', '/sbin/ipvsadm'].find((p) =>
  existsSync(p),
);

const splitHostPort = (text: string): { address: string; port: number } | undefined => {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([0-9.]+):(\d+)$/.exec(text);
  return m ? { address: m[1]!.toLowerCase(), port: Number(m[2]) } : undefined;
};

/**
 * Parses `ipvsadm -Ln` output into an `ObservedState` (TCP/UDP services only;
 * FWM and SCTP lines are skipped). The independent reader of the VM tests.
 */
export function parseIpvsadmList(text: string): ObservedState {
  const services: Array<{
    key: ObservedService['key'];
    scheduler: string;
    destinations: ObservedDestination[];
  }> = [];
  let current: (typeof services)[number] | undefined;
  for (const line of text.split('\n')) {
    const svc = /^(TCP|UDP|FWM|SCTP)\s+(\S+)\s+(\S+)/.exec(line);
    if (svc) {
      const hp = splitHostPort(svc[2]!);
      if ((svc[1] === 'TCP' || svc[1] === 'UDP') && hp) {
        current = {
          key: { vip: hp.address, port: hp.port, protocol: svc[1].toLowerCase() as Protocol },
          scheduler: svc[3]!,
          destinations: [],
        };
        services.push(current);
      } else {
        current = undefined;
      }
      continue;
    }
    const dest = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(line);
    if (dest && current) {
      const hp = splitHostPort(dest[1]!);
      if (hp)
        current.destinations.push({ address: hp.address, port: hp.port, weight: Number(dest[3]) });
    }
  }
  return { services };
}

const execFileAsync = promisify(execFile);

/** Runs `ipvsadm -Ln` (inside `netns` when given) and parses it. Rejects when ipvsadm fails. */
export async function ipvsadmList(netns?: string): Promise<ObservedState> {
  const bin = IPVSADM ?? 'ipvsadm';
  const argv = netns ? ['ip', ['netns', 'exec', netns, bin, '-Ln']] : [bin, ['-Ln']];
  const { stdout } = await execFileAsync(argv[0] as string, argv[1] as string[], {
    encoding: 'utf8',
  });
  return parseIpvsadmList(stdout);
}
