#!/usr/bin/env node
/**
 * dns-cluster: the keepalived article's DNS cluster (levels 1, 2 and 3) on lbkit.
 * DNS over UDP and TCP port 53, DNS TXT probe on `health.load.balance` for UDP,
 * TCP connect probe for TCP, round robin.
 *
 * Usage: dns-cluster --config examples/dns-cluster/level3.yaml [--level 1|2|3]
 *        [--ha FILE] [--backend nftables|ipvs] [--table dns_cluster] [--hold-vips IFACE] [--check]
 * Level 1 (needs --ha): two nodes share a VIP by VRRP, each balancing to its
 * own name server; a node whose server is down gives the VIP away. Level 2
 * SNATs balanced traffic (the client IP is lost, servers need no route back):
 * masquerade on one balancer, SNAT to the inner VIP on a pair (--ha). Level 3
 * does not (servers route replies back: by policy routing to one balancer, by
 * their default route via the inner VIP on a pair).
 */
import { parseArgs } from 'node:util';
import { runConfigDaemon } from '../common/run-config.js';
import { trapSignals } from '../common/signals.js';
import { innerSnat, loadPairConfig } from '../ha/pair-node.js';
import { levelBackendOptions } from './backend-options.js';

// Before the first await: a SIGHUP or SIGTERM while the HA file loads is kept.
const signals = trapSignals();
const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    level: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'nftables' },
    table: { type: 'string', default: 'dns_cluster' },
    'allow-shrink': { type: 'boolean', default: false },
    'hold-vips': { type: 'string' },
    check: { type: 'boolean', default: false },
    ha: { type: 'string' },
  },
});
const usage = (message: string): never => {
  process.stderr.write(
    `dns-cluster: ${message}\nUsage: dns-cluster --config FILE [--level 1|2|3] [--ha FILE] [--backend nftables|ipvs] [--table NAME] [--allow-shrink] [--hold-vips IFACE] [--check]\n`,
  );
  process.exit(2);
};
const config = values.config ?? usage('--config is required');
const level = values.level;
if (level !== '1' && level !== '2' && level !== '3') usage('--level must be 1, 2 or 3');
if (level === '1' && values.ha === undefined) usage('--level 1 is a VRRP pair: it needs --ha FILE');
if (values.backend !== 'nftables' && values.backend !== 'ipvs')
  usage('--backend must be nftables or ipvs');

const pair = values.ha === undefined ? undefined : await loadPairConfig(values.ha);
if (pair?.isErr()) {
  for (const line of pair.error) process.stderr.write(`${line}\n`);
  process.exit(1);
}
const ha = pair?.isOk() ? pair.value : undefined;
// Level 2 SNATs: to this balancer's address alone, to the floating inner VIP on a pair.
const snat = level === '2' && ha ? innerSnat(ha) : undefined;
if (level === '2' && ha && !snat)
  usage('--level 2 on a pair SNATs to the inner VIP: the HA file needs inner');
const nftables = {
  ...levelBackendOptions(level as '1' | '2' | '3', values.table, snat),
  ...(values['hold-vips'] !== undefined && { holdVips: values['hold-vips'] }),
};

process.exitCode = await runConfigDaemon({
  program: 'dns-cluster',
  config,
  backend: values.backend as 'nftables' | 'ipvs',
  nftables,
  ...(ha && { ha }),
  allowShrink: values['allow-shrink'],
  check: values.check,
  signals,
});
process.exit();
