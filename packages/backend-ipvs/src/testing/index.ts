/**
 * Test helpers for the IPVS backend: an in-memory IPVS (`FakeIpvs`), a fake
 * netlink kernel that runs the real client and codecs against it.
 * @module @lbkit/backend-ipvs/testing
 */
export * from './fake-ipvs.js';
export * from './fake-netlink-kernel.js';
export * from './ipvsadm.js';
