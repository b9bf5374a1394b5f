/**
 * keepalived.conf from a validated `HaConfig`: VRRP only (no `virtual_server`,
 * no checkers, no scripts). Pure: the same config always gives the same text.
 * Every token comes from a validated value (names, interface names, canonical
 * addresses, numbers, checked paths), so nothing in the file is user text
 * pasted raw. Accepted by keepalived 2.2.x (`keepalived -t`, tested).
 *
 * Layout: `global_defs` (router_id, the notify FIFO), one `track_file` (lbkit
 * writes 1 when healthy, 0 when not), one `vrrp_track_process` (lbkit's
 * process), the VRRP instance(s) and, with an inner side, one
 * `vrrp_sync_group` holding both, which carries the tracking (a sync group of
 * one instance is a configuration error to keepalived, so a lone instance
 * carries it itself).
 * @module
 */
import type { HaConfig, Vip, VrrpSide } from './options.js';

/** Seconds text of a duration in ms, as keepalived reads it (`0.1`, `1`, `2.5`). */
export const seconds = (ms: number): string => String(ms / 1000);

/** A block writer: `open('name {')`, lines, `close()`, four spaces per level. */
class Block {
  readonly #lines: string[] = [];
  #depth = 0;

  line(text: string): this {
    this.#lines.push(`${'    '.repeat(this.#depth)}${text}`);
    return this;
  }
  open(head: string): this {
    this.line(`${head} {`);
    this.#depth++;
    return this;
  }
  close(): this {
    this.#depth--;
    return this.line('}');
  }
  list(head: string, items: readonly string[]): this {
    if (items.length === 0) return this;
    this.open(head);
    for (const item of items) this.line(item);
    return this.close();
  }
  blank(): this {
    this.#lines.push('');
    return this;
  }
  text(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

const vipText = (vip: Vip): string => `${vip.address}/${vip.prefix} dev ${vip.interface}`;

/** The tracking lines (on the sync group, or on the lone instance). */
function tracking(out: Block, config: HaConfig): void {
  out.list('track_interface', config.trackInterfaces);
  out.list('track_file', [config.trackFileName]);
  out.list('track_process', [config.trackProcessName]);
}

function instance(out: Block, config: HaConfig, side: VrrpSide, tracked: boolean): void {
  out.open(`vrrp_instance ${side.instance}`);
  // Both nodes start as BACKUP: the election (priority, preempt) decides.
  out.line('state BACKUP');
  out.line(`interface ${side.interface}`);
  out.line(`virtual_router_id ${side.virtualRouterId}`);
  out.line(`priority ${config.priority}`);
  out.line(`advert_int ${seconds(config.advertIntervalMs)}`);
  out.line(`version ${config.version}`);
  if (!config.preempt) out.line('nopreempt');
  else if (config.preemptDelayMs > 0) out.line(`preempt_delay ${seconds(config.preemptDelayMs)}`);
  // Priority changes (tracking weights) reach the notify FIFO too.
  out.line('notify_priority_changes true');
  if (side.unicastSource !== undefined) out.line(`unicast_src_ip ${side.unicastSource}`);
  out.list('unicast_peer', side.unicastPeers);
  if (config.authentication) {
    out.open('authentication');
    out.line(`auth_type ${config.authentication.type}`);
    out.line(`auth_pass ${config.authentication.password}`);
    out.close();
  }
  // All addresses of one instance's adverts share a family: the others are excluded from them.
  out.list('virtual_ipaddress', side.vips.filter((v) => v.family === side.family).map(vipText));
  out.list(
    'virtual_ipaddress_excluded',
    side.vips.filter((v) => v.family !== side.family).map(vipText),
  );
  if (tracked) tracking(out, config);
  out.close();
}

/** Renders keepalived.conf for `config`. */
export function renderKeepalivedConf(config: HaConfig): string {
  const out = new Block();
  out.line('# keepalived.conf rendered by lbkit (@lbkit/ha): VRRP only, no virtual_server,');
  out.line('# no checkers, no scripts. lbkit writes it from its options: do not edit.');
  out.line(`# Check it with: keepalived -t -f ${config.files.config}`);
  out.blank();
  out.open('global_defs');
  if (config.routerId !== undefined) out.line(`router_id ${config.routerId}`);
  out.line(`vrrp_notify_fifo ${config.files.fifo}`);
  out.close();
  out.blank();
  // lbkit writes 1 (healthy) or 0; with `reverse`, 0 - or a missing file - is a failure.
  out.open(`track_file ${config.trackFileName}`);
  out.line(`file "${config.files.trackFile}"`);
  out.line(config.trackWeight === 0 ? 'weight 0 reverse' : `weight ${config.trackWeight}`);
  out.close();
  out.blank();
  out.open(`vrrp_track_process ${config.trackProcessName}`);
  out.line(`process ${config.processName}`);
  out.line('weight 0');
  out.close();
  out.blank();
  const sides = config.inner ? [config.service, config.inner] : [config.service];
  if (config.syncGroup !== undefined) {
    out.open(`vrrp_sync_group ${config.syncGroup}`);
    out.list(
      'group',
      sides.map((s) => s.instance),
    );
    tracking(out, config);
    out.close();
    out.blank();
  }
  sides.forEach((side, i) => {
    if (i > 0) out.blank();
    instance(out, config, side, config.syncGroup === undefined);
  });
  return out.text();
}
