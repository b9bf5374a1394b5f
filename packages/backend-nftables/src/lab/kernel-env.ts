import { existsSync } from 'node:fs';
import { canUseNetns } from '@lbkit/core/testing';

const PATHS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** Full path of a binary in the usual system directories, if present. */
export const which = (name: string): string | undefined =>
  PATHS.map((dir) => `${dir}/${name}`).find((path) => existsSync(path));

/**
 * Why kernel tests must be skipped, or `false` to run them: they need root,
 * `ip` and the given binaries. Under `CI=true` a missing binary is an error
 * (thrown, so the test file fails) instead of a skip.
 */
export function kernelSkip(binaries: readonly string[] = ['nft']): string | false {
  if (!canUseNetns()) return 'kernel tests need root and iproute2 (ip netns)';
  const missing = binaries.filter((b) => !which(b));
  if (missing.length === 0) return false;
  const reason = `kernel tests need ${missing.join(', ')} (Debian packages: nftables, conntrack, dnsmasq-base)`;
  if (process.env.CI === 'true') throw new Error(`${reason}: missing under CI=true`);
  return reason;
}
