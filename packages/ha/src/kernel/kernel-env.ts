/**
 * When the HA kernel tests can run: root, and the binaries they drive.
 * Under `CI=true` a missing piece is a failure, not a skip.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { canUseNetns } from '@lbkit/core/testing';

const has = (binary: string): boolean =>
  ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(`${dir}/${binary}`)) ||
  spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;

/** Why the HA kernel tests cannot run here, or '' when they can. */
export function haKernelSkip(
  binaries: readonly string[] = ['keepalived', 'nft', 'dnsmasq'],
): string {
  const missing = [
    ...(canUseNetns() ? [] : ['root and ip (network namespaces)']),
    ...binaries.filter((b) => !has(b)),
  ];
  if (missing.length === 0) return '';
  const reason = `HA kernel tests need ${missing.join(', ')} (Debian packages: keepalived, nftables, dnsmasq-base)`;
  if (process.env['CI'] === 'true') throw new Error(reason);
  return reason;
}
