import { describe, expect, it } from 'vitest';
import { A, B, C, dest, state, svc, web } from '../testing/index.js';
import { renderChangePlan, renderChanges } from './changes.js';
import { printCommands } from './print.js';

const elementsOnly = (plan: { commands: readonly { object: string }[] }): boolean =>
  plan.commands.every((c) => c.object === 'element');

describe('renderChangePlan', () => {
  it('a flip is element-only, and its commands print exactly the script', () => {
    const before = state(web([A, B, C]), svc('dns', '192.0.2.53', 53, [A], { protocol: 'udp' }));
    const after = state(web([A, C]), svc('dns', '192.0.2.53', 53, [], { protocol: 'udp' }));
    const plan = renderChangePlan(before, after)._unsafeUnwrap();
    expect(plan.script).toBe(renderChanges(before, after)._unsafeUnwrap());
    expect(printCommands(plan.commands, 'lbkit')).toBe(plan.script);
    expect(elementsOnly(plan)).toBe(true);
    expect(
      plan.commands.map((c) => (c.object === 'element' ? `${c.verb} ${c.map}` : c.object)),
    ).toEqual([
      'delete flows4',
      expect.stringMatching(/^delete backends4_udp_\d+$/), // dns sorts before web
      expect.stringMatching(/^delete backends4_tcp_\d+$/),
      expect.stringMatching(/^add backends4_tcp_\d+$/),
    ]);
  });

  it('touches chains and rules only when the slot class changes, and nothing when equal', () => {
    const three = state(web([A, B, C]));
    const four = state(web([A, B, C, dest('D', '192.0.2.14')]));
    const five = state(web([A, B, C, dest('D', '192.0.2.14'), dest('E', '192.0.2.15')]));
    expect(elementsOnly(renderChangePlan(state(web([A, B])), three)._unsafeUnwrap())).toBe(true);
    expect(elementsOnly(renderChangePlan(three, four)._unsafeUnwrap())).toBe(false); // 6 -> 12 slots
    expect(elementsOnly(renderChangePlan(four, five)._unsafeUnwrap())).toBe(false); // 12 -> 60
    expect(elementsOnly(renderChangePlan(four, state())._unsafeUnwrap())).toBe(false);
    expect(elementsOnly(renderChangePlan(state(), four)._unsafeUnwrap())).toBe(false);
    expect(renderChangePlan(four, four)._unsafeUnwrap()).toEqual({ commands: [], script: '' });
  });
});
