/**
 * http-cluster for real: three nginx servers that name themselves in X-Trace
 * (as `add_header` in the article), the http-cluster program with the shipped
 * config in the balancer's namespace, a client asking the VIP.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BalancerLab, canUseNetns, createBalancerLab, LAB } from '@lbkit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES_DIR } from '../programs.js';
import { type RunningProgram, startProgram, tally, traceFrom } from '../test-support/daemon.js';

const nginx = existsSync('/usr/sbin/nginx');
if (!nginx && process.env['CI'] === 'true') throw new Error('nginx is required under CI');

const nginxConfig = (dir: string, n: number, header: string): string => `
daemon off;
master_process off;
pid ${dir}/nginx-${n}.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body-${n};
  proxy_temp_path ${dir}/proxy-${n};
  fastcgi_temp_path ${dir}/fastcgi-${n};
  uwsgi_temp_path ${dir}/uwsgi-${n};
  scgi_temp_path ${dir}/scgi-${n};
  server {
    listen ${LAB.server(n)}:80;
    ${header}
    location / { return 200 "nginx-${n}\\n"; }
  }
}
`;

describe.skipIf(!canUseNetns() || !nginx)('http-cluster with nginx and the X-Trace probe', () => {
  let built: BalancerLab;
  let daemon: RunningProgram;
  let dir: string;
  const nginxes: ChildProcess[] = [];

  const startNginx = (n: number, header: string) => {
    const file = join(dir, `nginx-${n}.conf`);
    writeFileSync(file, nginxConfig(dir, n, header));
    nginxes[n] = built.lab.spawn(`s${n}`, ['nginx', '-c', file, '-e', 'stderr']);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lbkx-http-'));
    built = await createBalancerLab('lbkx', 3);
    for (const n of [1, 2, 3]) startNginx(n, `add_header X-Trace nginx-${n} always;`);
    daemon = startProgram(built.lab, 'lb', 'http-cluster', [
      '--config',
      join(EXAMPLES_DIR, 'http-cluster', 'http-cluster.yaml'),
    ]);
    await daemon.waitForLine(/http-cluster: ready/);
    await built.lab.exec('lb', ['sleep', '0.2']);
  });

  afterAll(async () => {
    await daemon?.stop();
    await built?.lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('balances the VIP over the three nginx, each naming itself in X-Trace', async () => {
    const answers = tally(await traceFrom(built.lab, 'client', LAB.vip, 'http:80', 30));
    expect(answers).toEqual({ 'nginx-1': 10, 'nginx-2': 10, 'nginx-3': 10 });
  });

  it('takes out a server that answers 200 without its X-Trace header, and back when it returns', async () => {
    const from = daemon.lines.length;
    await built.lab.kill(nginxes[3]!, 'SIGKILL');
    startNginx(3, '');
    await daemon.waitForLine(/destination nginx-3 .* up -> down: .*x-trace/i, 10_000, from);
    await built.lab.exec('lb', ['sleep', '0.2']);
    const answers = await traceFrom(built.lab, 'client', LAB.vip, 'http:80', 20);
    expect(tally(answers)).toEqual({ 'nginx-1': 10, 'nginx-2': 10 });
    // The header is back.
    await built.lab.kill(nginxes[3]!, 'SIGKILL');
    startNginx(3, 'add_header X-Trace nginx-3 always;');
    await daemon.waitForLine(/destination nginx-3 .* down -> up/, 10_000, from);
    await built.lab.exec('lb', ['sleep', '0.2']);
    const back = tally(await traceFrom(built.lab, 'client', LAB.vip, 'http:80', 30));
    expect(back).toEqual({ 'nginx-1': 10, 'nginx-2': 10, 'nginx-3': 10 });
  });
});
