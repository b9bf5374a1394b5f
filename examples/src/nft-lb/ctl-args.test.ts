import { describe, expect, it } from 'vitest';
import { parseNftLbArgs } from './cli-args.js';
import { parseCtlArgs } from './ctl-args.js';
import { defaultSocketPath } from './ctl-socket-path.js';

describe('nft-lb ctl arguments', () => {
  it('parses every command, --json, --socket and --table', () => {
    expect(parseCtlArgs(['status'])._unsafeUnwrap()).toEqual({
      help: false,
      table: 'nft_lb',
      json: false,
      request: { command: 'status' },
    });
    expect(
      parseCtlArgs(['--json', '--socket', '/run/x.sock', 'drain', 'web/s1'])._unsafeUnwrap(),
    ).toEqual({
      help: false,
      table: 'nft_lb',
      json: true,
      socket: '/run/x.sock',
      request: { command: 'drain', service: 'web', destination: 's1' },
    });
    expect(parseCtlArgs(['--table', 'lb2', 'reload'])._unsafeUnwrap().table).toBe('lb2');
    expect(parseCtlArgs(['enable', 'a/b'])._unsafeUnwrap().request).toEqual({
      command: 'enable',
      service: 'a',
      destination: 'b',
    });
    expect(
      parseCtlArgs(['drain', 'web/s1', '--until', 'idle', '--deadline', '60000'])._unsafeUnwrap()
        .request,
    ).toEqual({
      command: 'drain',
      service: 'web',
      destination: 's1',
      drain: { until: 'idle', deadline: 60000 },
    });
    expect(
      parseCtlArgs(['drain', 'web/s1', '--until', '1500'])._unsafeUnwrap().request,
    ).toMatchObject({
      drain: { until: 1500 },
    });
    expect(parseCtlArgs(['--help'])._unsafeUnwrap().help).toBe(true);
  });

  it('refuses usage errors with a sentence', () => {
    const bad: Array<[string[], RegExp]> = [
      [[], /a command is needed/],
      [['stop'], /unknown command "stop"/],
      [['drain'], /drain takes one SERVICE\/DESTINATION/],
      [['drain', 'web'], /expected SERVICE\/DESTINATION like web\/s1, got "web"/],
      [['drain', 'web/s1/x'], /expected SERVICE\/DESTINATION/],
      [['disable', 'web/s1;rm'], /expected SERVICE\/DESTINATION/],
      [['status', 'extra'], /status takes no argument/],
      [['--socket', 'rel.sock', 'status'], /absolute path/],
      [['--socket', '/a.sock', '--table', 't', 'status'], /exclude each other/],
      [['--bogus', 'status'], /Unknown option '--bogus'/],
      [['enable', 'web/s1', '--until', 'idle'], /--until and --deadline go with drain only/],
      [['drain', 'web/s1', '--until', 'soon'], /--until must be "idle" or ms/],
      [['drain', 'web/s1', '--until', '0'], /--until must be/],
      [['drain', 'web/s1', '--deadline', '100'], /--deadline needs --until "idle"/],
      [['drain', 'web/s1', '--until', '5', '--deadline', '9'], /--deadline goes with/],
    ];
    for (const [argv, message] of bad)
      expect(parseCtlArgs(argv)._unsafeUnwrapErr(), argv.join(' ')).toMatch(message);
  });

  it('derives the default socket from the table and the named network namespace', () => {
    expect(defaultSocketPath('nft_lb', () => undefined)).toBe('/run/nft-lb/nft_lb.sock');
    expect(defaultSocketPath('nft_lb', () => 'lb1')).toBe('/run/nft-lb/nft_lb.netns-lb1.sock');
    // A namespace name that cannot be part of a file name: the host path.
    expect(defaultSocketPath('t', () => '-x y')).toBe('/run/nft-lb/t.sock');
    expect(defaultSocketPath('../etc/x')).toBeUndefined();
    expect(defaultSocketPath('a/b')).toBeUndefined();
  });
});

describe('the daemon flags of the control socket', () => {
  it('takes --socket PATH and --no-socket, not both, not a relative or too long path', () => {
    expect(parseNftLbArgs([])._unsafeUnwrap().socket).toBeUndefined();
    expect(parseNftLbArgs(['--socket', '/run/lb/a.sock'])._unsafeUnwrap().socket).toBe(
      '/run/lb/a.sock',
    );
    expect(parseNftLbArgs(['--no-socket'])._unsafeUnwrap().socket).toBe(false);
    expect(parseNftLbArgs(['--socket', '/a', '--no-socket'])._unsafeUnwrapErr()).toMatch(/exclude/);
    expect(parseNftLbArgs(['--socket', 'a.sock'])._unsafeUnwrapErr()).toMatch(/absolute file path/);
    expect(parseNftLbArgs(['--socket', `/${'x'.repeat(120)}`])._unsafeUnwrapErr()).toMatch(
      /107 bytes/,
    );
  });
});
