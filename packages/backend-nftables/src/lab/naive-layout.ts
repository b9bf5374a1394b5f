/**
 * The vendor script's (`nft_lb.py`) way, for comparison in tests and the
 * benchmark: table `ip <name>`, one linear prerouting rule per service
 * (`ip daddr VIP tcp dport P jump dnat_<svc>`), a chain per service with
 * `dnat to numgen inc mod N map { ... }`, and updates as `flush chain` followed
 * by `add rule` in SEPARATE commands (not atomic). Names here are fixed test
 * names, never user input.
 */
export const naive = {
  /** Creates the table and its prerouting base chain. */
  table: (table: string): string =>
    `add table ip ${table}\nadd chain ip ${table} prerouting { type nat hook prerouting priority dstnat ; policy accept ; }\n`,
  /** The `dnat` rule choosing among `addresses` round robin. */
  dnatRule: (table: string, chain: string, addresses: readonly string[]): string =>
    `add rule ip ${table} ${chain} dnat to numgen inc mod ${addresses.length} map { ${addresses
      .map((a, i) => `${i} : ${a}`)
      .join(', ')} }\n`,
  /** One service: its chain, its rule, and the linear dispatch rule (one command each). */
  service: (
    table: string,
    name: string,
    vip: string,
    port: number,
    addresses: readonly string[],
  ): string[] => [
    `add chain ip ${table} dnat_${name}\n`,
    naive.dnatRule(table, `dnat_${name}`, addresses),
    `add rule ip ${table} prerouting ip daddr ${vip} tcp dport ${port} jump dnat_${name}\n`,
  ],
  /** The vendor's update: flush, then add (two commands, two transactions). */
  update: (table: string, name: string, addresses: readonly string[]): string[] => [
    `flush chain ip ${table} dnat_${name}\n`,
    naive.dnatRule(table, `dnat_${name}`, addresses),
  ],
};
