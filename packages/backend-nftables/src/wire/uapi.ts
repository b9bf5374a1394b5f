/**
 * Constants from C headers used by the transports, verbatim.
 * @module
 */

/** Output flags of `nft_ctx_output_set_flags`, from `<nftables/libnftables.h>` (nftables 1.0.x). */
export const NFT_CTX_OUTPUT = {
  /** Plain text output, the library default. */
  DEFAULT: 0,
  /** `NFT_CTX_OUTPUT_HANDLE`: print rule handles. */
  HANDLE: 1 << 3,
  /** `NFT_CTX_OUTPUT_JSON`: JSON output (the `nft -j` schema). */
  JSON: 1 << 4,
} as const;

/** `NFT_CTX_DEFAULT` flag of `nft_ctx_new`, from `<nftables/libnftables.h>`. */
export const NFT_CTX_DEFAULT = 0;

/** Where libnftables 1 lives on Debian/Ubuntu (package `libnftables1`). */
export const LIBNFTABLES_CANDIDATES = [
  'libnftables.so.1',
  '/usr/lib/x86_64-linux-gnu/libnftables.so.1',
  '/usr/lib/aarch64-linux-gnu/libnftables.so.1',
  '/usr/lib64/libnftables.so.1',
  '/usr/lib/libnftables.so.1',
] as const;

/** From `<linux/netfilter/nfnetlink.h>` (linux-libc-dev). */
export const NFNL = {
  /** `NFNL_MSG_BATCH_BEGIN` = `NLMSG_MIN_TYPE`. */
  MSG_BATCH_BEGIN: 0x10,
  /** `NFNL_MSG_BATCH_END` = `NLMSG_MIN_TYPE + 1`. */
  MSG_BATCH_END: 0x11,
  SUBSYS_NFTABLES: 10,
  NFNETLINK_V0: 0,
  /** `sizeof(struct nfgenmsg)`: u8 nfgen_family, u8 version, be16 res_id. */
  GENMSG_LEN: 4,
} as const;

/** `IPPROTO_TCP`, `IPPROTO_UDP` (`<netinet/in.h>`): `inet_proto` values and `meta l4proto` operands. */
export const IPPROTO = { tcp: 6, udp: 17 } as const;

/**
 * This machine's byte order is little-endian: nf_tables keeps 32-bit integers
 * (slot numbers, marks) and nft's user data in HOST order, and we talk to the
 * local kernel.
 */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `NFPROTO_INET` from `<linux/netfilter.h>`: the family of an `inet` table. */
export const NFPROTO_INET = 1;

/** From `<linux/netfilter/nf_tables.h>` (linux-libc-dev): message types and attributes. */
export const NFT = {
  /** `enum nf_tables_msg_types`. */
  MSG_NEWTABLE: 0,
  MSG_GETTABLE: 1,
  MSG_DELTABLE: 2,
  MSG_NEWCHAIN: 3,
  MSG_GETCHAIN: 4,
  MSG_DELCHAIN: 5,
  MSG_NEWRULE: 6,
  MSG_GETRULE: 7,
  MSG_DELRULE: 8,
  MSG_NEWSET: 9,
  MSG_GETSET: 10,
  MSG_DELSET: 11,
  MSG_NEWSETELEM: 12,
  MSG_GETSETELEM: 13,
  MSG_DELSETELEM: 14,
  /** The generation of the namespace's ruleset (reply: `NEWGEN` with `NFTA_GEN_ID`). */
  MSG_NEWGEN: 15,
  MSG_GETGEN: 16,
  /** `enum nft_gen_attributes`: `NFTA_GEN_ID`. */
  GEN_ID: 1,
  /** `enum nft_table_flags`: `NFT_TABLE_F_DORMANT`. */
  TABLE_F_DORMANT: 0x1,
  /** `enum nft_set_elem_list_attributes`. */
  SET_ELEM_LIST_TABLE: 1,
  SET_ELEM_LIST_SET: 2,
  SET_ELEM_LIST_ELEMENTS: 3,
  /** `enum nft_list_attributes`. */
  LIST_ELEM: 1,
  /** `enum nft_set_elem_attributes`. */
  SET_ELEM_KEY: 1,
  SET_ELEM_DATA: 2,
  /** `enum nft_data_attributes`. */
  DATA_VALUE: 1,
  DATA_VERDICT: 2,
  /** `enum nft_verdict_attributes`. */
  VERDICT_CODE: 1,
  VERDICT_CHAIN: 2,
  /** `enum nft_verdicts`. */
  JUMP: -3,
  GOTO: -4,
  /** `NLA_F_NESTED`. */
  NLA_F_NESTED: 0x8000,
} as const;

/**
 * Attributes of the nf_tables objects and expressions lbkit writes, from
 * `<linux/netfilter/nf_tables.h>` and `<linux/netfilter.h>` (linux-libc-dev,
 * Debian 12). Names are the C names without their `NFTA_` / `NFT_` prefix.
 */
export const NFTA = {
  /** `enum nft_table_attributes`. */
  TABLE_NAME: 1,
  TABLE_FLAGS: 2,
  TABLE_USERDATA: 6,
  /** `enum nft_chain_attributes`. */
  CHAIN_TABLE: 1,
  CHAIN_NAME: 3,
  CHAIN_HOOK: 4,
  CHAIN_POLICY: 5,
  CHAIN_TYPE: 7,
  /** `enum nft_hook_attributes`. */
  HOOK_HOOKNUM: 1,
  HOOK_PRIORITY: 2,
  /** `enum nft_rule_attributes`. */
  RULE_TABLE: 1,
  RULE_CHAIN: 2,
  RULE_EXPRESSIONS: 4,
  /** `enum nft_set_attributes`. */
  SET_TABLE: 1,
  SET_NAME: 2,
  SET_FLAGS: 3,
  SET_KEY_TYPE: 4,
  SET_KEY_LEN: 5,
  SET_DATA_TYPE: 6,
  SET_DATA_LEN: 7,
  SET_ID: 10,
  SET_TIMEOUT: 11,
  SET_USERDATA: 13,
  SET_EXPR: 17,
  /** `enum nft_set_elem_attributes`: `NFTA_SET_ELEM_EXPR`, `NFTA_SET_ELEM_EXPRESSIONS` (element counters). */
  SET_ELEM_EXPR: 7,
  SET_ELEM_EXPRESSIONS: 11,
  /** `enum nft_counter_attributes`. */
  COUNTER_BYTES: 1,
  COUNTER_PACKETS: 2,
  /** `enum nft_set_elem_list_attributes`: `NFTA_SET_ELEM_LIST_SET_ID`. */
  SET_ELEM_LIST_SET_ID: 4,
  /** `enum nft_expr_attributes`. */
  EXPR_NAME: 1,
  EXPR_DATA: 2,
  /** `enum nft_immediate_attributes`. */
  IMMEDIATE_DREG: 1,
  IMMEDIATE_DATA: 2,
  /** `enum nft_cmp_attributes`. */
  CMP_SREG: 1,
  CMP_OP: 2,
  CMP_DATA: 3,
  /** `enum nft_lookup_attributes`. */
  LOOKUP_SET: 1,
  LOOKUP_SREG: 2,
  LOOKUP_DREG: 3,
  LOOKUP_SET_ID: 4,
  /** `enum nft_payload_attributes`. */
  PAYLOAD_DREG: 1,
  PAYLOAD_BASE: 2,
  PAYLOAD_OFFSET: 3,
  PAYLOAD_LEN: 4,
  /** `enum nft_hash_attributes`. */
  HASH_SREG: 1,
  HASH_DREG: 2,
  HASH_LEN: 3,
  HASH_MODULUS: 4,
  HASH_SEED: 5,
  HASH_OFFSET: 6,
  HASH_TYPE: 7,
  /** `enum nft_meta_attributes`. */
  META_DREG: 1,
  META_KEY: 2,
  META_SREG: 3,
  /** `enum nft_ct_attributes`. */
  CT_DREG: 1,
  CT_KEY: 2,
  CT_DIRECTION: 3,
  /** `enum nft_reject_attributes`. */
  REJECT_TYPE: 1,
  REJECT_ICMP_CODE: 2,
  /** `enum nft_nat_attributes`. */
  NAT_TYPE: 1,
  NAT_FAMILY: 2,
  NAT_REG_ADDR_MIN: 3,
  NAT_REG_PROTO_MIN: 5,
  NAT_FLAGS: 7,
  /** `enum nft_dynset_attributes`. */
  DYNSET_SET_NAME: 1,
  DYNSET_SET_ID: 2,
  DYNSET_OP: 3,
  DYNSET_SREG_KEY: 4,
  DYNSET_TIMEOUT: 6,
  DYNSET_FLAGS: 9,
  /** `enum nft_ng_attributes`. */
  NG_DREG: 1,
  NG_MODULUS: 2,
  NG_TYPE: 3,
  NG_OFFSET: 4,
} as const;

/** Values used in those attributes, same headers. */
export const NFT_VALUE = {
  /** `NFT_SET_MAP` (`enum nft_set_flags`). */
  SET_MAP: 0x8,
  /** `NFT_SET_TIMEOUT`, `NFT_SET_EVAL` (nft's `flags timeout`, `dynamic`). */
  SET_TIMEOUT: 0x10,
  SET_EVAL: 0x20,
  /** `NFT_DYNSET_OP_UPDATE` (`enum nft_dynset_ops`). */
  DYNSET_OP_UPDATE: 1,
  /** `NFT_REG_VERDICT`. */
  REG_VERDICT: 0,
  /** `NFT_DATA_VERDICT`: data type of a verdict map. */
  DATA_VERDICT: 0xffffff00,
  /** `NFT_CMP_EQ`. */
  CMP_EQ: 0,
  /** `enum nft_payload_bases`. */
  PAYLOAD_NETWORK_HEADER: 1,
  PAYLOAD_TRANSPORT_HEADER: 2,
  /** `enum nft_meta_keys`. */
  META_MARK: 3,
  META_NFPROTO: 15,
  META_L4PROTO: 16,
  /** `enum nft_ct_keys`. */
  CT_PROTO_SRC: 11,
  CT_PROTO_DST: 12,
  CT_SRC_IP: 19,
  CT_DST_IP: 20,
  CT_SRC_IP6: 21,
  CT_DST_IP6: 22,
  /** `enum ip_conntrack_dir`: IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY. */
  CT_DIR_ORIGINAL: 0,
  CT_DIR_REPLY: 1,
  /** `enum nft_ng_types`. */
  NG_INCREMENTAL: 0,
  NG_RANDOM: 1,
  /** `NFT_HASH_JENKINS`. */
  HASH_JENKINS: 0,
  /** `enum nft_reject_types`. */
  REJECT_TCP_RST: 1,
  REJECT_ICMPX_UNREACH: 2,
  /** `NFT_REJECT_ICMPX_PORT_UNREACH`. */
  ICMPX_PORT_UNREACH: 1,
  /** `enum nft_nat_types`: `NFT_NAT_SNAT`, `NFT_NAT_DNAT`. */
  NAT_SNAT: 0,
  NAT_DNAT: 1,
  /** `NF_NAT_RANGE_PROTO_SPECIFIED` (`<linux/netfilter/nf_nat.h>`): a fixed port is given. */
  NAT_RANGE_PROTO_SPECIFIED: 0x2,
  /** `NF_DROP`, `NF_ACCEPT` (`<linux/netfilter.h>`). */
  NF_DROP: 0,
  NF_ACCEPT: 1,
  /** `NFPROTO_IPV4`, `NFPROTO_IPV6`. */
  NFPROTO_IPV4: 2,
  NFPROTO_IPV6: 10,
  /** `enum nf_inet_hooks`. */
  HOOK_PRE_ROUTING: 0,
  HOOK_FORWARD: 2,
  HOOK_LOCAL_OUT: 3,
  HOOK_POST_ROUTING: 4,
} as const;

/**
 * nft's own (user-space) ids that it stores in a set's `NFTA_SET_USERDATA` and
 * `NFTA_SET_KEY_TYPE`, from nftables 1.0.6 (`include/datatype.h`,
 * `include/expression.h`, `include/proto.h`, libnftnl `include/udata.h`). The
 * kernel never reads them; `nft list` does, to print `type` / `typeof`.
 */
export const NFT_USER = {
  /** `enum datatypes`; a concatenation type is `(t1 << TYPE_BITS) | t2 ...`. */
  TYPE_INTEGER: 4,
  TYPE_IPADDR: 7,
  TYPE_IP6ADDR: 8,
  TYPE_INET_PROTOCOL: 12,
  TYPE_INET_SERVICE: 13,
  TYPE_BITS: 6,
  /** `NFTNL_UDATA_TABLE_COMMENT`: the comment in a table's user data. */
  UDATA_TABLE_COMMENT: 0,
  /** `NFTNL_UDATA_SET_*`. */
  UDATA_SET_KEYBYTEORDER: 0,
  UDATA_SET_DATABYTEORDER: 1,
  UDATA_SET_KEY_TYPEOF: 3,
  UDATA_SET_DATA_TYPEOF: 4,
  UDATA_SET_DATA_INTERVAL: 6,
  /** `NFTNL_UDATA_SET_TYPEOF_EXPR`, `NFTNL_UDATA_SET_TYPEOF_DATA`. */
  UDATA_TYPEOF_EXPR: 0,
  UDATA_TYPEOF_DATA: 1,
  /** `enum byteorder`: `BYTEORDER_HOST_ENDIAN`, `BYTEORDER_BIG_ENDIAN`. */
  BYTEORDER_HOST: 1,
  BYTEORDER_BIG: 2,
  /** `enum expr_types`. */
  EXPR_VERDICT: 1,
  EXPR_PAYLOAD: 7,
  EXPR_CONCAT: 13,
  EXPR_NUMGEN: 23,
  /** `enum proto_desc_id`. */
  PROTO_UDP: 6,
  PROTO_TCP: 8,
  PROTO_IP: 12,
  PROTO_IP6: 13,
  /** Header field indexes: `IPHDR_DADDR`, `IP6HDR_DADDR`, `TCPHDR_DPORT` / `UDPHDR_DPORT`. */
  IPHDR_DADDR: 12,
  IP6HDR_DADDR: 9,
  THDR_DPORT: 2,
} as const;
