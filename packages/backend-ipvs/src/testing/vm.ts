/**
 * Shared setup for the IPVS tests that run inside the kernel VM
 * (`npm run test:vm`). Test-only; not exported from the package entry points.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canUseNetns } from '@lbkit/core/testing';
import { IPVSADM } from './ipvsadm.js';

const onPath = (bin: string): boolean =>
  ['/usr/sbin/', '/usr/bin/', '/sbin/', '/bin/'].some((dir) => existsSync(dir + bin));

/** Why a VM test file skips, or `false`. Under CI=true inside the VM a missing tool fails instead. */
export function vmSkipReason(needs: readonly string[] = []): string | false {
  if (process.env.LBKIT_IN_VM !== '1') {
    return 'IPVS tests run inside the kernel VM: npm run test:vm (scripts/kernel-vm)';
  }
  const missing: string[] = [];
  if (!canUseNetns()) missing.push('root and iproute2 (ip netns)');
  if (IPVSADM === undefined) missing.push('ipvsadm');
  for (const bin of needs) if (!onPath(bin)) missing.push(bin);
  if (missing.length === 0) return false;
  if (process.env.CI === 'true')
    throw new Error(`IPVS VM tests need ${missing.join(', ')} (CI=true)`);
  return `needs ${missing.join(', ')}`;
}

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { DEFAULT_HEALTH, type HealthSettings } from '@lbkit/core';
import type { NetnsLab } from '@lbkit/core/testing';

/** Fast health settings for VM tests: one verdict flips state, checks every 300 ms. */
export const FAST_HEALTH: HealthSettings = {
  ...DEFAULT_HEALTH,
  interval: 300,
  fastInterval: 200,
  downInterval: 300,
  timeout: 500,
  rise: 1,
  fall: 1,
  jitter: 50,
  initial: 'up',
};

/** Starts `busybox httpd` in `role` on `address:port`, serving `text` at `/`. */
export function startHttpd(
  lab: NetnsLab,
  role: string,
  address: string,
  text: string,
  port = 80,
): ChildProcess {
  const dir = `/tmp/${lab.prefix}-${role}-www`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/index.html`, `${text}\n`);
  return lab.spawn(role, ['busybox', 'httpd', '-f', '-p', `${address}:${port}`, '-h', dir]);
}

const HTTP_GET = fileURLToPath(new URL('./http-get.mjs', import.meta.url));

/** `count` HTTP GETs from `role`, each on a new TCP connection; the bodies (or `error: ...`). */
export async function fetchFrom(
  lab: NetnsLab,
  role: string,
  url: string,
  count = 1,
): Promise<string[]> {
  const r = await lab.try(role, [process.execPath, HTTP_GET, url, String(count)]);
  return r.stdout.trim().split('\n');
}

/** Waits until `check()` is true, polling every `stepMs`, at most `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  stepMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/** Waits until `url` answers from `role` (bounded). */
export async function waitServing(lab: NetnsLab, role: string, url: string): Promise<void> {
  await until(async () => !(await fetchFrom(lab, role, url))[0]?.startsWith('error'), 15_000, 200);
}
