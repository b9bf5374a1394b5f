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
