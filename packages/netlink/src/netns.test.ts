import { ok } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { enterNetworkNamespace, inNetns, netnsPath, openNetnsSwitch } from './netns.js';

describe('network namespaces', () => {
  it('maps a name under /run/netns and refuses names that are paths or options', () => {
    expect(netnsPath('lbkn-lb-1')._unsafeUnwrap()).toBe('/run/netns/lbkn-lb-1');
    expect(netnsPath('/proc/1/ns/net')._unsafeUnwrap()).toBe('/proc/1/ns/net');
    for (const bad of ['a/b', '-x', '', '.hidden', 'x'.repeat(65)]) {
      expect(netnsPath(bad)._unsafeUnwrapErr().kind).toBe('invalid');
    }
  });

  it('names a namespace that does not exist', () => {
    const missing = 'lbkit-does-not-exist-0';
    expect(openNetnsSwitch(missing)._unsafeUnwrapErr().kind).toBe('not-found');
    expect(enterNetworkNamespace(missing)._unsafeUnwrapErr().message).toMatch(missing);
    expect(inNetns(missing, () => ok(1))._unsafeUnwrapErr().kind).toBe('not-found');
  });
});
