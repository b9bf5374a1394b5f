/**
 * The backend conformance suite against the REAL kernel (inside the kernel VM):
 * each test gets a fresh network namespace, the backend's netlink socket is
 * opened inside it, read-back goes through a separate netlink client's dumps,
 * and every step is cross-checked with `ipvsadm -Ln`.
 */
import {
  describeDesired,
  describeObserved,
  NetnsLab,
  runBackendConformance,
} from '@lbkit/core/testing';
import { expect } from 'vitest';
import { ipvsadmList } from '../testing/ipvsadm.js';
import { vmSkipReason } from '../testing/vm.js';
import { createIpvsBackend } from './ipvs-backend.js';
import { createMemoryOwnershipStore } from './ownership.js';

let counter = 0;
const skip = vmSkipReason();

runBackendConformance({
  name: 'ipvs (kernel, netlink)',
  skip,
  setup: async () => {
    const lab = new NetnsLab('lbkv');
    const ns = await lab.add(`c${++counter}`);
    const ownership = createMemoryOwnershipStore();
    const reader = () => createIpvsBackend({ netns: ns, ownership: createMemoryOwnershipStore() });
    return {
      create: () => createIpvsBackend({ netns: ns, ownership }),
      read: async () => {
        const backend = reader();
        const observed = (await backend.read())._unsafeUnwrap();
        await backend.close({ keep: true });
        return observed;
      },
      crossCheck: async (desired) => {
        const caps = { weights: true, keepsDrained: true, ipv6: true, udp: true, schedulers: [] };
        expect(describeObserved(await ipvsadmList(ns), caps)).toEqual(
          describeDesired(desired, caps),
        );
      },
      destroy: () => lab.destroy(),
    };
  },
});
