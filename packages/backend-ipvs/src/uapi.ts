/**
 * Kernel constants of IPVS (netlink and generic netlink ones are in `@lbkit/netlink`), copied as values from
 * the Linux UAPI headers (Debian package `linux-libc-dev`). Each object names
 * its source header. Nothing else in this package spells a kernel number.
 */

/** `<linux/in.h>`: IP protocol numbers used by IPVS services. */
export const IPPROTO = {
  TCP: 6,
  UDP: 17,
  SCTP: 132,
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

/** `<linux/ip_vs.h>` IPVS_DAEMON_ATTR_*: attributes nested in IPVS_CMD_ATTR_DAEMON. */
export const IPVS_DAEMON_ATTR = {
  STATE: 1,
  MCAST_IFN: 2,
  SYNC_ID: 3,
  SYNC_MAXLEN: 4,
  MCAST_GROUP: 5,
  MCAST_GROUP6: 6,
  MCAST_PORT: 7,
  MCAST_TTL: 8,
} as const;

/** `<linux/ip_vs.h>` IP_VS_STATE_*: connection sync daemon states. */
export const IP_VS_STATE = {
  NONE: 0x0,
  MASTER: 0x1,
  BACKUP: 0x2,
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
  /** IP_VS_IFNAME_MAXLEN, the sync daemon's interface name (including the NUL). */
  IFNAME_MAXLEN: 16,
} as const;
