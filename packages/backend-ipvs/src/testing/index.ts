/**
 * Test helpers for the IPVS backend: an in-memory IPVS (`FakeIpvs`), a fake
 * netlink kernel that runs the real client and codecs against it, and a
 * hexdump diff for wire tests.
 * @module @lbkit/backend-ipvs/testing
 */
export * from './fake-ipvs.js';
export * from './fake-netlink-kernel.js';
export * from './hexdump-diff.js';
export * from './ipvsadm.js';
