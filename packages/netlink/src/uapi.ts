/**
 * Kernel constants of the netlink layer, copied as values from the Linux UAPI
 * headers (Debian package `linux-libc-dev`) and glibc. Each object names its
 * source header. Families (IPVS, nf_tables) keep their own `uapi.ts`.
 * @module
 */

/** `<linux/socket.h>`, `<linux/net.h>`, `<linux/netlink.h>`, `<sched.h>`, `<asm-generic/socket.h>`. */
export const SOCKET = {
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  AF_NETLINK: 16,
  SOCK_STREAM: 1,
  SOCK_RAW: 3,
  SOCK_CLOEXEC: 0o2000000,
  /** `NETLINK_ROUTE`: rtnetlink (links, addresses, routes). */
  NETLINK_ROUTE: 0,
  /** `NETLINK_NETFILTER`: nfnetlink (nf_tables, conntrack). */
  NETLINK_NETFILTER: 12,
  NETLINK_GENERIC: 16,
  SOL_SOCKET: 1,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  /** `SO_PEERCRED`: pid, uid, gid of the peer of a unix socket. */
  SO_PEERCRED: 17,
  SO_RCVTIMEO: 20,
  /** `SO_SNDBUFFORCE`: like `SO_SNDBUF` but above `net.core.wmem_max` (needs CAP_NET_ADMIN). */
  SO_SNDBUFFORCE: 32,
  SOL_NETLINK: 270,
  /** `NETLINK_CAP_ACK`: error replies do not echo the request payload. */
  NETLINK_CAP_ACK: 10,
  /** `NETLINK_EXT_ACK`: error replies carry the kernel's reason text. */
  NETLINK_EXT_ACK: 11,
  MSG_TRUNC: 0x20,
  /** `MSG_DONTWAIT` (`<bits/socket.h>`). */
  MSG_DONTWAIT: 0x40,
  CLONE_NEWNET: 0x40000000,
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
  /** `NLM_F_APPEND`: add to the end of the object list. */
  F_APPEND: 0x800,
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

/**
 * `<linux/netfilter/nfnetlink.h>`, `<linux/netfilter/nfnetlink_conntrack.h>`:
 * ctnetlink (conntrack over nfnetlink) messages and attributes, and the
 * tuple-filter flags of `net/netfilter/nf_internals.h` (CTA_FILTER, Linux 5.8+).
 */
export const CTNL = {
  SUBSYS_CTNETLINK: 1,
  MSG_CT_NEW: 0,
  MSG_CT_GET: 1,
  MSG_CT_DELETE: 2,
  NFNETLINK_V0: 0,
  /** `sizeof(struct nfgenmsg)`: u8 nfgen_family, u8 version, be16 res_id. */
  GENMSG_LEN: 4,
  CTA_TUPLE_ORIG: 1,
  CTA_TUPLE_REPLY: 2,
  CTA_PROTOINFO: 4,
  CTA_ZONE: 18,
  CTA_FILTER: 25,
  /** Inside CTA_PROTOINFO (`enum ctattr_protoinfo`). */
  CTA_PROTOINFO_TCP: 1,
  /** Inside CTA_PROTOINFO_TCP: u8, `enum tcp_conntrack` (`<linux/netfilter/nf_conntrack_tcp.h>`). */
  CTA_PROTOINFO_TCP_STATE: 1,
  TCP_CONNTRACK_TIME_WAIT: 7,
  TCP_CONNTRACK_CLOSE: 8,
  CTA_TUPLE_IP: 1,
  CTA_TUPLE_PROTO: 2,
  CTA_IP_V4_SRC: 1,
  CTA_IP_V4_DST: 2,
  CTA_IP_V6_SRC: 3,
  CTA_IP_V6_DST: 4,
  CTA_PROTO_NUM: 1,
  CTA_PROTO_SRC_PORT: 2,
  CTA_PROTO_DST_PORT: 3,
  CTA_FILTER_ORIG_FLAGS: 1,
  CTA_FILTER_REPLY_FLAGS: 2,
  FILTER_IP_SRC: 1 << 0,
  FILTER_IP_DST: 1 << 1,
  FILTER_PROTO_NUM: 1 << 3,
  FILTER_PROTO_SRC_PORT: 1 << 4,
  FILTER_PROTO_DST_PORT: 1 << 5,
  /** `IPPROTO_TCP`, `IPPROTO_UDP` (`<netinet/in.h>`). */
  IPPROTO_TCP: 6,
  IPPROTO_UDP: 17,
} as const;

/**
 * `<linux/rtnetlink.h>`, `<linux/if_addr.h>`, `<linux/if_link.h>`, `<linux/if.h>`:
 * rtnetlink links and addresses (what `ip link` and `ip address` read and write).
 */
export const RTNL = {
  RTM_NEWLINK: 16,
  RTM_DELLINK: 17,
  RTM_GETLINK: 18,
  RTM_NEWADDR: 20,
  RTM_DELADDR: 21,
  RTM_GETADDR: 22,
  /** sizeof(struct ifaddrmsg): u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
  IFADDRMSG_LEN: 8,
  IFA_ADDRESS: 1,
  IFA_LOCAL: 2,
  IFA_LABEL: 3,
  IFA_FLAGS: 8,
  /** sizeof(struct ifinfomsg): u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change. */
  IFINFOMSG_LEN: 16,
  IFLA_IFNAME: 3,
  IFLA_LINKINFO: 18,
  /** Inside IFLA_LINKINFO (`enum { IFLA_INFO_UNSPEC, IFLA_INFO_KIND, ... }`): the driver name. */
  IFLA_INFO_KIND: 1,
  /** `IFF_UP` in ifinfomsg.ifi_flags. */
  IFF_UP: 0x1,
  /** `IFNAMSIZ`: a link name with its NUL; names are at most 15 bytes. */
  IFNAMSIZ: 16,
  /** `enum rt_scope_t`: RT_SCOPE_UNIVERSE (what `ip address add` gives: `scope global`). */
  RT_SCOPE_UNIVERSE: 0,
  /** RT_SCOPE_LINK: e.g. an IPv6 link-local fe80:: address the kernel adds to a link that is up. */
  RT_SCOPE_LINK: 253,
  RT_SCOPE_HOST: 254,
} as const;

/** `<asm-generic/errno-base.h>`, `<asm-generic/errno.h>`: errno values this layer names. */
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
  ENODEV: 19,
  EINVAL: 22,
  ERANGE: 34,
  ELOOP: 40,
  EMSGSIZE: 90,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  /** `EADDRNOTAVAIL`: RTM_DELADDR of an address the interface does not have. */
  EADDRNOTAVAIL: 99,
  ECONNREFUSED: 111,
  ENOBUFS: 105,
} as const;

/** Where `ip netns add` keeps named network namespaces (iproute2). */
export const NETNS_RUN_DIR = '/run/netns';
