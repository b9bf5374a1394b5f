/**
 * `@lbkit/backend-nftables/testing`: the in-memory transport (`FakeNft`) and
 * fixtures for offline tests; assert on `fake.state` with `traceState`.
 * @module
 */

export type {
  NftChainState,
  NftMapState,
  NftState,
  NftTableState,
} from '../trace/state.js';
export { FakeNft, type FakeNftOptions } from './fake-nft.js';
export { A, B, C, dest, state, svc, web, withoutEmptyShards } from './fixtures.js';
