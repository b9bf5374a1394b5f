/**
 * conntrackd.conf from validated options. Pure. FTFW (reliable: messages are
 * acknowledged and resent) over UDP on the dedicated sync link, the external
 * cache on (the backup keeps the peer's flows apart until it commits them),
 * a resync asked for at start, TCP and UDP only, and the address filter of
 * `flows`. Every token comes from the validated config (canonical addresses,
 * checked interface and paths), never from raw user text.
 * @module
 */
import type { IpFamily } from '@lbkit/core';
import type { ConntrackdConfig, HaConfig } from './options.js';

const ipKey = (family: IpFamily) => (family === 4 ? 'IPv4_address' : 'IPv6_address');

/** One `IPv4_address x` / `IPv6_address x` line for an `address[/prefix]`. */
function addressLine(cidr: string): string {
  const [address = '', prefix] = cidr.split('/');
  const family: IpFamily = address.includes(':') ? 6 : 4;
  const full = prefix === (family === 4 ? '32' : '128');
  return `${ipKey(family)} ${full ? address : cidr}`;
}

/**
 * The address filter: `flows` accepted, or (none given) every flow but the
 * sync link's own and loopback's ignored.
 */
function addressFilter(c: ConntrackdConfig): string[] {
  if (c.flows.length > 0) return ['Address Accept {', ...c.flows.map(addressLine), '}'];
  const own = [c.address, c.peer, '127.0.0.1', '::1'].map(addressLine);
  return ['Address Ignore {', ...own, '}'];
}

/** Indents a block of lines, four spaces per `{` level. */
function indent(lines: readonly string[]): string {
  let depth = 0;
  return lines
    .map((line) => {
      if (line.startsWith('}')) depth--;
      const out = `${'    '.repeat(Math.max(0, depth))}${line}`;
      if (line.endsWith('{')) depth++;
      return out;
    })
    .join('\n');
}

/** Renders conntrackd.conf for `config` (which must have `conntrackd`). */
export function renderConntrackdConf(config: HaConfig, c: ConntrackdConfig): string {
  const k = ipKey(c.family);
  const dest = c.family === 4 ? 'IPv4_Destination_Address' : 'IPv6_Destination_Address';
  const lines = [
    `# conntrackd for the lbkit pair "${config.name}": rendered by @lbkit/ha, do not edit`,
    'Sync {',
    'Mode FTFW {',
    'DisableExternalCache off',
    'StartupResync on',
    '}',
    'UDP {',
    `${k} ${c.address}`,
    `${dest} ${c.peer}`,
    `Port ${c.port}`,
    `Interface ${c.interface}`,
    'Checksum on',
    '}',
    '}',
    'General {',
    'Systemd off',
    'HashSize 32768',
    'HashLimit 131072',
    'LogFile off',
    'Syslog off',
    `LockFile ${c.files.lock}`,
    'UNIX {',
    `Path ${c.files.socket}`,
    '}',
    'NetlinkBufferSize 2097152',
    'NetlinkBufferSizeMaxGrowth 8388608',
    'Filter From Userspace {',
    'Protocol Accept {',
    'TCP',
    'UDP',
    '}',
    ...addressFilter(c),
    '}',
    '}',
  ];
  return `${indent(lines)}\n`;
}
