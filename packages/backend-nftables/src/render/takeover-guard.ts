/**
 * The takeover guard of a balancer pair with flow sync (conntrackd): while a
 * node is not a master whose synced flows are committed into its kernel
 * table, a packet of an established connection it does not know yet (new to
 * conntrack, TCP without SYN: the kernel would pick it up mid-stream, NAT it
 * afresh and the server would answer with a reset) is DROPPED, not
 * rejected, so the client retransmits and the retransmission finds the
 * committed flow. A table of its own (`inet <table>`, apart from the
 * balancer's, which applies never touch), a filter chain at prerouting
 * priority -150 (after conntrack, before NAT), and ONE element that arms it:
 * `tcp` in the set `armed`; the flip is one `add`/`delete element`. With
 * `udp`, new UDP flows to the VIPs (and from the servers) are dropped too
 * while armed: a packet of an established UDP flow that reaches the new
 * master before the commit would otherwise make a fresh conntrack entry
 * (balanced anew, often to another server) that the commit cannot replace;
 * the price is that a new UDP flow in that window loses its first packet.
 * Pure: nft text from validated data (canonical addresses, a checked name).
 * @module
 */
import { type BackendError, backendError, parseAddress } from '@lbkit/core';
import { err, ok, type Result } from 'neverthrow';

/** What the guard protects. */
export interface TakeoverGuardOptions {
  /** Its table (`inet`), 1..64 of `A-Z a-z 0-9 _ -`, starting with a letter. */
  readonly table: string;
  /** The VIPs: new non-SYN TCP TO them is dropped while armed. */
  readonly vips: readonly string[];
  /**
   * `address[/prefix]`s of the servers: new non-SYN TCP FROM them is dropped
   * too (level 3: their replies come back through the node, to the clients'
   * addresses). Default none.
   */
  readonly from?: readonly string[];
  /** Armed when installed. Default true (a node starts as backup). */
  readonly armed?: boolean;
  /**
   * Guard UDP too: while armed, new UDP flows to the VIPs and from the
   * servers are dropped (established UDP flows keep their server across the
   * takeover; a new one loses its first packet in the ~0.1 s window).
   * Default false.
   */
  readonly udp?: boolean;
}

/** The guard's nft scripts: install (idempotent), arm, disarm, remove. */
export interface TakeoverGuardScripts {
  readonly install: string;
  readonly arm: string;
  readonly disarm: string;
  readonly remove: string;
}

const TABLE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MATCH = 'meta l4proto @armed ct state new tcp flags & (fin | syn | rst | ack) != syn';
const MATCH_UDP = 'meta l4proto udp meta l4proto @armed ct state new';

/** Parses `address[/prefix]` into canonical text and family, or undefined. */
function cidr(text: string): { readonly text: string; readonly family: 4 | 6 } | undefined {
  const [address = '', prefix, ...rest] = String(text).split('/');
  const parsed = parseAddress(address);
  if (!parsed || rest.length > 0) return undefined;
  if (prefix === undefined) return { text: parsed.canonical, family: parsed.family };
  const max = parsed.family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) < 1 || Number(prefix) > max) return undefined;
  return { text: `${parsed.canonical}/${Number(prefix)}`, family: parsed.family };
}

function set(name: string, family: 4 | 6, elements: readonly string[]): string[] {
  return [
    `    set ${name} {`,
    `        type ${family === 4 ? 'ipv4_addr' : 'ipv6_addr'}`,
    '        flags interval',
    ...(elements.length > 0 ? [`        elements = { ${elements.join(', ')} }`] : []),
    '    }',
  ];
}

/**
 * The guard's scripts for `options`. Fails (`rejected`) on a bad table name or
 * an address that is not one; nothing is rendered then.
 */
export function renderTakeoverGuard(
  options: TakeoverGuardOptions,
): Result<TakeoverGuardScripts, BackendError> {
  const table = options.table;
  if (typeof table !== 'string' || !TABLE.test(table)) {
    return err(
      backendError(
        'rejected',
        `invalid guard table name ${JSON.stringify(String(table)).slice(0, 80)}`,
      ),
    );
  }
  const parsed = {
    to: { 4: [] as string[], 6: [] as string[] },
    from: { 4: [] as string[], 6: [] as string[] },
  };
  for (const [key, list] of [
    ['to', options.vips],
    ['from', options.from ?? []],
  ] as const) {
    for (const text of list) {
      const c = cidr(text);
      if (!c)
        return err(
          backendError(
            'rejected',
            `guard: not an address ${JSON.stringify(String(text)).slice(0, 80)}`,
          ),
        );
      if (!parsed[key][c.family].includes(c.text)) parsed[key][c.family].push(c.text);
    }
  }
  if (parsed.to[4].length + parsed.to[6].length === 0) {
    return err(backendError('rejected', 'guard: needs at least one VIP'));
  }
  const armed = options.armed ?? true;
  const protocols = options.udp === true ? 'tcp, udp' : 'tcp';
  const udpRules =
    options.udp === true
      ? [
          `        ${MATCH_UDP} ip daddr @to4 counter drop`,
          `        ${MATCH_UDP} ip6 daddr @to6 counter drop`,
          `        ${MATCH_UDP} ip saddr @from4 counter drop`,
          `        ${MATCH_UDP} ip6 saddr @from6 counter drop`,
        ]
      : [];
  const lines = [
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    '    set armed {',
    '        type inet_proto',
    ...(armed ? [`        elements = { ${protocols} }`] : []),
    '    }',
    ...set('to4', 4, parsed.to[4]),
    ...set('to6', 6, parsed.to[6]),
    ...set('from4', 4, parsed.from[4]),
    ...set('from6', 6, parsed.from[6]),
    '    chain prerouting {',
    '        type filter hook prerouting priority -150; policy accept;',
    `        ${MATCH} ip daddr @to4 counter drop`,
    `        ${MATCH} ip6 daddr @to6 counter drop`,
    `        ${MATCH} ip saddr @from4 counter drop`,
    `        ${MATCH} ip6 saddr @from6 counter drop`,
    ...udpRules,
    '    }',
    '}',
  ];
  return ok({
    install: `${lines.join('\n')}\n`,
    arm: `add element inet ${table} armed { ${protocols} }\n`,
    // add first: deleting an element that is not there fails the transaction.
    disarm: `add element inet ${table} armed { ${protocols} }\ndelete element inet ${table} armed { ${protocols} }\n`,
    remove: `add table inet ${table}\ndelete table inet ${table}\n`,
  });
}
