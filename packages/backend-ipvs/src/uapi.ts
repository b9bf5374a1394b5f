/**
 * Kernel constants for netlink, generic netlink and IPVS, copied as values from
 * the Linux UAPI headers (Debian package `linux-libc-dev`). Each object names
 * its source header. Nothing else in this package spells a kernel number.
 */

/** `<linux/socket.h>`, `<linux/net.h>`, `<linux/netlink.h>`, `<sched.h>`, `<asm-generic/socket.h>`. */
export const SOCKET = {
  AF_NETLINK: 16,
  AF_INET: 2,
  AF_INET6: 10,
  SOCK_RAW: 3,
  SOCK_CLOEXEC: 0o2000000,
  NETLINK_GENERIC: 16,
  SOL_SOCKET: 1,
  SO_RCVBUF: 8,
  SO_SNDBUF: 7,
  SO_RCVTIMEO: 20,
  SOL_NETLINK: 270,
  NETLINK_EXT_ACK: 11,
  NETLINK_CAP_ACK: 10,
  MSG_TRUNC: 0x20,
  CLONE_NEWNET: 0x40000000,
} as const;

/** `<linux/in.h>`: IP protocol numbers used by IPVS services. */
export const IPPROTO = {
  TCP: 6,
  UDP: 17,
  SCTP: 132,
} as const;

/** `<linux/netlink.h>`: message header flags and control message types. */
export const NLM = {
  F_REQUEST: 0x01,
  F_MULTI: 0x02,
  F_ACK: 0x04,
  F_ECHO: 0x08,
  F_DUMP_INTR: 0x10,
  F_ROOT: 0x100,
  F_MATCH: 0x200,
  F_DUMP: 0x300,
  F_EXCL: 0x200,
  F_CREATE: 0x400,
  /** In an NLMSG_ERROR ack: the request was not echoed back (NETLINK_CAP_ACK). */
  F_CAPPED: 0x100,
  /** In an NLMSG_ERROR ack: extended ack TLVs follow. */
  F_ACK_TLVS: 0x200,
  NOOP: 0x1,
  ERROR: 0x2,
  DONE: 0x3,
  OVERRUN: 0x4,
  /** sizeof(struct nlmsghdr) */
  HDRLEN: 16,
  /** NLMSG_ALIGNTO and NLA_ALIGNTO */
  ALIGNTO: 4,
  /** sizeof(struct nlattr) */
  NLA_HDRLEN: 4,
  NLA_F_NESTED: 0x8000,
  NLA_F_NET_BYTEORDER: 0x4000,
  NLA_TYPE_MASK: 0x3fff,
} as const;

/** `<linux/netlink.h>` enum nlmsgerr_attrs: extended ack attributes. */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
} as const;

/** `<linux/genetlink.h>`: generic netlink header and the `nlctrl` family. */
export const GENL = {
  /** sizeof(struct genlmsghdr) */
  HDRLEN: 4,
  ID_CTRL: 0x10,
  CTRL_VERSION: 2,
  CTRL_CMD_GETFAMILY: 3,
  CTRL_ATTR_FAMILY_ID: 1,
  CTRL_ATTR_FAMILY_NAME: 2,
  CTRL_ATTR_VERSION: 3,
  CTRL_ATTR_HDRSIZE: 4,
  CTRL_ATTR_MAXATTR: 5,
} as const;

/** `<linux/ip_vs.h>`: generic netlink family name, version and commands. */
export const IPVS_GENL = {
  NAME: 'IPVS',
  VERSION: 0x1,
} as const;

/** `<linux/ip_vs.h>` IPVS_CMD_*. */
export const IPVS_CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;

/** `<linux/ip_vs.h>` IPVS_CMD_ATTR_*: first-level attributes. */
export const IPVS_CMD_ATTR = {
  SERVICE: 1,
  DEST: 2,
  DAEMON: 3,
  TIMEOUT_TCP: 4,
  TIMEOUT_TCP_FIN: 5,
  TIMEOUT_UDP: 6,
} as const;

/** `<linux/ip_vs.h>` IPVS_SVC_ATTR_*: attributes nested in IPVS_CMD_ATTR_SERVICE. */
export const IPVS_SVC_ATTR = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

/** `<linux/ip_vs.h>` IPVS_DEST_ATTR_*: attributes nested in IPVS_CMD_ATTR_DEST. */
export const IPVS_DEST_ATTR = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

/** `<linux/ip_vs.h>` IPVS_STATS_ATTR_*: attributes nested in *_ATTR_STATS(64). */
export const IPVS_STATS_ATTR = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
  PAD: 11,
} as const;

/** `<linux/ip_vs.h>` IPVS_INFO_ATTR_*: attributes of the IPVS_CMD_GET_INFO reply. */
export const IPVS_INFO_ATTR = {
  VERSION: 1,
  CONN_TAB_SIZE: 2,
} as const;

/** `<linux/ip_vs.h>` IP_VS_SVC_F_*: virtual service flags. */
export const IP_VS_SVC_F = {
  PERSISTENT: 0x0001,
  HASHED: 0x0002,
  ONEPACKET: 0x0004,
  SCHED1: 0x0008,
  SCHED2: 0x0010,
  SCHED3: 0x0020,
  /** IP_VS_SVC_F_SCHED_SH_FALLBACK = SCHED1 (mh uses the same bits for its fallback). */
  SCHED_SH_FALLBACK: 0x0008,
  /** IP_VS_SVC_F_SCHED_SH_PORT = SCHED2 (mh uses the same bits for its port flag). */
  SCHED_SH_PORT: 0x0010,
} as const;

/** `<linux/ip_vs.h>` IP_VS_CONN_F_*: forwarding methods (IP_VS_CONN_F_FWD_MASK = 0x7). */
export const IP_VS_CONN_F = {
  FWD_MASK: 0x0007,
  MASQ: 0x0000,
  LOCALNODE: 0x0001,
  TUNNEL: 0x0002,
  DROUTE: 0x0003,
  BYPASS: 0x0004,
} as const;

/** `<linux/ip_vs.h>` IP_VS_CONN_F_TUNNEL_TYPE_*. */
export const IP_VS_TUNNEL_TYPE = {
  IPIP: 0,
  GUE: 1,
  GRE: 2,
} as const;

/** `<linux/ip_vs.h>` IP_VS_SCHEDNAME_MAXLEN and IP_VS_PENAME_MAXLEN (including the NUL). */
export const IP_VS_LIMITS = {
  SCHEDNAME_MAXLEN: 16,
  PENAME_MAXLEN: 16,
} as const;

/** `<asm-generic/errno-base.h>`, `<asm-generic/errno.h>`: errno values the client classifies. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  ERANGE: 34,
  ENODEV: 19,
  EINVAL: 22,
  ENOBUFS: 105,
  EOPNOTSUPP: 95,
  EPROTONOSUPPORT: 93,
  EAFNOSUPPORT: 97,
} as const;
