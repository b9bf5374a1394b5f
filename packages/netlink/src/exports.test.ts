import { describe, expect, it } from 'vitest';

/**
 * The public API by intent: the runtime names each entry point exports,
 * pinned. A new export (or a lost one) fails here until this list, the
 * package README and the reason for it agree. Types are not runtime names.
 */
describe('@lbkit/netlink exports', () => {
  it('@lbkit/netlink: 54 runtime exports', async () => {
    const api = await import('./index.js');
    expect(Object.keys(api).sort()).toEqual([
      'ERRNO',
      'GENL',
      'NETNS_NAME',
      'NETNS_RUN_DIR',
      'NLM',
      'NLMSGERR_ATTR',
      'SOCKET',
      'acquireAbstractLock',
      'align',
      'assertBytesEqual',
      'attrBe16',
      'attrBe32',
      'attrBytes',
      'attrNest',
      'attrString',
      'attrU16',
      'attrU32',
      'attrU64',
      'attrU8',
      'createNetlinkConnection',
      'decodeAck',
      'decodeAttributes',
      'decodeDone',
      'decodeFamily',
      'decodeGenl',
      'decodeMessages',
      'encodeAck',
      'encodeAttributes',
      'encodeGenl',
      'encodeGetFamily',
      'encodeMessage',
      'enterNetworkNamespace',
      'errnoError',
      'errnoKind',
      'errnoName',
      'hexdump',
      'hexdumpDiff',
      'inNetns',
      'indexAttributes',
      'int32',
      'loadLibc',
      'lockRefusal',
      'netlinkError',
      'netnsPath',
      'openNetlinkSocket',
      'openNetnsSwitch',
      'readBe16',
      'readBe32',
      'readString',
      'readU16',
      'readU32',
      'readU64',
      'readU8',
      'resolveFamily',
    ]);
  });
});
