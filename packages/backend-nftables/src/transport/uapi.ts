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

/** `CLONE_NEWNET` namespace type for `setns(2)`, from `<linux/sched.h>`. */
export const CLONE_NEWNET = 0x40000000;

/** Where libnftables 1 lives on Debian/Ubuntu (package `libnftables1`). */
export const LIBNFTABLES_CANDIDATES = [
  'libnftables.so.1',
  '/usr/lib/x86_64-linux-gnu/libnftables.so.1',
  '/usr/lib/aarch64-linux-gnu/libnftables.so.1',
  '/usr/lib64/libnftables.so.1',
  '/usr/lib/libnftables.so.1',
] as const;

/** Where `ip netns add` keeps named network namespaces (iproute2). */
export const NETNS_RUN_DIR = '/var/run/netns';

/** `NETLINK_NETFILTER` protocol of `socket(AF_NETLINK, ...)`, from `<linux/netlink.h>` (linux-libc-dev). */
export const NETLINK_NETFILTER = 12;

/** Socket-level constants from `<linux/socket.h>`, `<asm/socket.h>`, `<linux/netlink.h>` (x86_64/aarch64). */
export const SOCK = {
  AF_NETLINK: 16,
  SOCK_RAW: 3,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_RCVTIMEO: 20,
  SOL_NETLINK: 270,
  /** `NETLINK_CAP_ACK`: error replies do not echo the request payload. */
  NETLINK_CAP_ACK: 10,
} as const;

/** `struct nlmsghdr` types and flags, from `<linux/netlink.h>`. */
export const NLMSG = {
  HDRLEN: 16,
  ERROR: 2,
  DONE: 3,
  F_REQUEST: 0x1,
  F_ACK: 0x4,
  F_CREATE: 0x400,
} as const;

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

/** `NFPROTO_INET` from `<linux/netfilter.h>`: the family of an `inet` table. */
export const NFPROTO_INET = 1;

/** From `<linux/netfilter/nf_tables.h>` (linux-libc-dev): message types and attributes. */
export const NFT = {
  MSG_NEWSETELEM: 12,
  MSG_DELSETELEM: 14,
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
  GOTO: -4,
  /** `NLA_F_NESTED`. */
  NLA_F_NESTED: 0x8000,
} as const;
