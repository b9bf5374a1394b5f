import { encodeAttributes } from '@lbkit/netlink';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arbDestinationConfig,
  arbDestinationId,
  arbServiceConfig,
  arbServiceId,
} from '../testing/arbitraries.js';
import { IPVS_CMD } from '../uapi.js';
import { decodeInfo, encodeInfo, formatVersion } from './info.js';
import {
  decodeInfoReply,
  decodeRequest,
  decodeServiceReply,
  encodeInfoReply,
  encodeRequest,
  encodeServiceReply,
  type IpvsRequest,
} from './request.js';

describe('IPVS requests and replies', () => {
  it('round-trips every command shape (property)', () => {
    const arb = arbServiceId.chain((sid) =>
      fc.record(
        {
          cmd: fc.constantFrom(...Object.values(IPVS_CMD)),
          service: fc.record(
            { id: fc.constant(sid), config: arbServiceConfig(sid.family) },
            { requiredKeys: ['id'] },
          ),
          destination: fc.record(
            { id: arbDestinationId, config: arbDestinationConfig },
            { requiredKeys: ['id'] },
          ),
        },
        { requiredKeys: ['cmd'] },
      ),
    );
    fc.assert(
      fc.property(arb, (request: IpvsRequest) => {
        // Without a service the destination's missing family falls back to 4: send it with one.
        if (request.destination && !request.service) return;
        expect(decodeRequest(encodeRequest(request)._unsafeUnwrap())._unsafeUnwrap()).toEqual(
          request,
        );
      }),
    );
  });

  it('info: version code to text, both ways', () => {
    expect(formatVersion(0x010201)).toBe('1.2.1');
    const info = { version: '1.2.1', connectionTableSize: 4096 };
    expect(decodeInfoReply(encodeInfoReply(info)._unsafeUnwrap())._unsafeUnwrap()).toEqual(info);
    expect(decodeInfo(encodeAttributes(encodeInfo(info)._unsafeUnwrap()))._unsafeUnwrap()).toEqual(
      info,
    );
    expect(encodeInfo({ version: 'x', connectionTableSize: 1 }).isErr()).toBe(true);
  });

  it('service reply decode of a reply without the service attribute is a parse error', () => {
    const reply = encodeServiceReply({
      id: { family: 4, fwmark: 1 },
      config: { scheduler: 'rr', flags: [], timeout: 0, netmask: 32 },
    })._unsafeUnwrap();
    expect(decodeServiceReply(reply).isOk()).toBe(true);
    expect(decodeServiceReply(reply.subarray(0, 4))._unsafeUnwrapErr().kind).toBe('parse');
  });

  it('decoders never throw on random payloads (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        decodeRequest(b);
        decodeServiceReply(b);
        decodeInfoReply(b);
      }),
    );
  });
});
