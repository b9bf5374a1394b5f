import { describe, expect, it } from 'vitest';
import { A, B, C, dest, state, svc, web } from '../testing/index.js';
import { changeCommands, renderChanges } from './changes.js';
import { printCommands } from './print.js';

const elementsOnly = (commands: readonly { object: string }[]): boolean =>
  commands.every((c) => c.object === 'element');

describe('changeCommands', () => {
  it('a flip is element-only, and its commands print exactly the script', () => {
    const before = state(web([A, B, C]), svc('dns', '192.0.2.53', 53, [A], { protocol: 'udp' }));
    const after = state(web([A, C]), svc('dns', '192.0.2.53', 53, [], { protocol: 'udp' }));
    const commands = changeCommands(before, after)._unsafeUnwrap();
    expect(printCommands(commands, 'lbkit')).toBe(renderChanges(before, after)._unsafeUnwrap());
    expect(elementsOnly(commands)).toBe(true);
    expect(commands.map((c) => (c.object === 'element' ? `${c.verb} ${c.map}` : c.object))).toEqual(
      [
        'delete flows4',
        expect.stringMatching(/^delete slots4_udp_\d+$/), // dns sorts before web
        expect.stringMatching(/^delete slots4_tcp_\d+$/),
        expect.stringMatching(/^add slots4_tcp_\d+$/),
      ],
    );
  });

  it('touches chains and rules only when the slot class changes, and nothing when equal', () => {
    const three = state(web([A, B, C]));
    const four = state(web([A, B, C, dest('D', '192.0.2.14')]));
    const five = state(web([A, B, C, dest('D', '192.0.2.14'), dest('E', '192.0.2.15')]));
    expect(elementsOnly(changeCommands(state(web([A, B])), three)._unsafeUnwrap())).toBe(true);
    expect(elementsOnly(changeCommands(three, four)._unsafeUnwrap())).toBe(false); // 6 -> 12 slots
    expect(elementsOnly(changeCommands(four, five)._unsafeUnwrap())).toBe(false); // 12 -> 60
    expect(elementsOnly(changeCommands(four, state())._unsafeUnwrap())).toBe(false);
    expect(elementsOnly(changeCommands(state(), four)._unsafeUnwrap())).toBe(false);
    expect(changeCommands(four, four)._unsafeUnwrap()).toEqual([]);
  });
});
