// lbkit inside an existing Node service: balances 192.0.2.10:80, logs events, drains from code.
import { createServer } from 'node:http';
import { createNftablesBackend } from '@lbkit/backend-nftables';
import { createBalancer, validateServices } from '@lbkit/core';
import { createProbe } from '@lbkit/probes';

const web = { name: 'web', vip: '192.0.2.10', port: 80, health: { interval: 200 } };
const probe = { kind: 'http', header: { name: 'X-Trace' } } as const;
const destinations = [1, 2].map((n) => ({ name: `s${n}`, address: `198.51.100.1${n}` }));
const services = validateServices([{ ...web, probe, destinations }]);
const backend = createNftablesBackend({ table: 'embed' });
if (services.isErr() || backend.isErr()) throw new Error('bad configuration');
const options = { services: services.value, backend: backend.value, probes: createProbe };
const lb = createBalancer(options);

lb.on('health', (e) => console.log(`${e.destination}: ${e.from} -> ${e.to} (${e.reason})`));
lb.on('applied', (e) => console.log(`kernel updated: ${e.report.changedServices}`));
if ((await lb.start()).isErr()) throw new Error('cannot apply the rules');

// The existing service, here an admin API: GET /drain/s2 (no new flows), /enable/s2, / (status).
const admin = createServer((req, res) => {
  const [, verb, name = ''] = (req.url ?? '/').split('/');
  if (verb !== 'drain' && verb !== 'enable') return void res.end(JSON.stringify(lb.status()));
  const done = verb === 'drain' ? lb.drain('web', name) : lb.enable('web', name);
  res.end(done.isOk() ? `${verb} ${name}: ok\n` : `${done.error.message}\n`);
});
admin.listen(8080, '127.0.0.1', () => console.log('admin API on http://127.0.0.1:8080'));
process.on('SIGTERM', () => void lb.stop().then(() => process.exit(0)));
