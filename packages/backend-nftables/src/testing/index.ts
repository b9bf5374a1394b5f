/**
 * `@lbkit/backend-nftables/testing`: the in-memory transport and fixtures.
 * @module
 */
export { FakeNft, type FakeNftOptions } from './fake-nft.js';
export { A, B, C, dest, state, svc, web, withoutEmptyShards } from './fixtures.js';
