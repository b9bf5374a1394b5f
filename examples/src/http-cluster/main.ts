#!/usr/bin/env node
/**
 * http-cluster: an HTTP service balanced by lbkit, probed with the HTTP header
 * probe: each server names itself in `X-Trace` (nginx: `add_header X-Trace ...`),
 * and a destination whose header is missing or wrong counts as down.
 *
 * Usage: http-cluster --config examples/http-cluster/http-cluster.yaml
 *        [--backend nftables|ipvs] [--table http_cluster] [--masquerade] [--hold-vips IFACE] [--check]
 */
import { parseArgs } from 'node:util';
import { runConfigDaemon } from '../common/run-config.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    backend: { type: 'string', default: 'nftables' },
    table: { type: 'string', default: 'http_cluster' },
    masquerade: { type: 'boolean', default: false },
    'allow-shrink': { type: 'boolean', default: false },
    'hold-vips': { type: 'string' },
    check: { type: 'boolean', default: false },
  },
});
if (values.config === undefined || (values.backend !== 'nftables' && values.backend !== 'ipvs')) {
  process.stderr.write(
    'Usage: http-cluster --config FILE [--backend nftables|ipvs] [--table NAME] [--masquerade] [--allow-shrink] [--hold-vips IFACE] [--check]\n',
  );
  process.exit(2);
}

process.exitCode = await runConfigDaemon({
  program: 'http-cluster',
  config: values.config,
  backend: values.backend as 'nftables' | 'ipvs',
  nftables: {
    table: values.table,
    masquerade: values.masquerade,
    ...(values['hold-vips'] !== undefined && { holdVips: values['hold-vips'] }),
  },
  allowShrink: values['allow-shrink'],
  check: values.check,
});
process.exit();
