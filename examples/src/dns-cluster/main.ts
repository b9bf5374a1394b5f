#!/usr/bin/env node
/**
 * dns-cluster: the keepalived article's DNS cluster (levels 2 and 3) on lbkit.
 * DNS over UDP and TCP port 53, DNS TXT probe on `health.load.balance` for UDP,
 * TCP connect probe for TCP, round robin.
 *
 * Usage: dns-cluster --config examples/dns-cluster/level3.yaml [--level 2|3]
 *        [--backend nftables|ipvs] [--table dns_cluster]
 * Level 2 masquerades balanced traffic (the client IP is lost, servers need no
 * route back); level 3 does not (servers route replies back by policy routing).
 */
import { parseArgs } from 'node:util';
import { runConfigDaemon } from '../common/run-config.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    level: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'nftables' },
    table: { type: 'string', default: 'dns_cluster' },
    'allow-shrink': { type: 'boolean', default: false },
  },
});
const usage = (message: string): never => {
  process.stderr.write(
    `dns-cluster: ${message}\nUsage: dns-cluster --config FILE [--level 2|3] [--backend nftables|ipvs] [--table NAME] [--allow-shrink]\n`,
  );
  process.exit(2);
};
const config = values.config ?? usage('--config is required');
if (values.level !== '2' && values.level !== '3') usage('--level must be 2 or 3');
if (values.backend !== 'nftables' && values.backend !== 'ipvs')
  usage('--backend must be nftables or ipvs');

process.exitCode = await runConfigDaemon({
  program: 'dns-cluster',
  config,
  backend: values.backend as 'nftables' | 'ipvs',
  nftables: { table: values.table, masquerade: values.level === '2' },
  allowShrink: values['allow-shrink'],
});
process.exit();
