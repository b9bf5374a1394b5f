import { describe, expect, it } from 'vitest';
import { parseDuration } from '../common/duration.js';
import { parseNftLbArgs } from './cli-args.js';

describe('parseNftLbArgs', () => {
  it('defaults to the vendor script’s path and mark, safer thresholds', () => {
    const options = parseNftLbArgs([])._unsafeUnwrap();
    expect(options).toEqual({
      mode: 'run',
      rules: '/opt/nft_lb_rules',
      interval: 2000,
      timeout: 1000,
      rise: 2,
      fall: 2,
      table: 'nft_lb',
      whenEmpty: 'reject',
      forwardMark: 333444555,
      masquerade: false,
      output: false,
      keepOnExit: false,
      allowShrink: false,
      maxRemove: 0.5,
    });
  });

  it('reads every flag', () => {
    const options = parseNftLbArgs([
      '--rules=/etc/lb',
      '--render',
      '--interval',
      '150ms',
      '--timeout',
      '0.5s',
      '--rise',
      '3',
      '--fall',
      '1',
      '--table',
      'mail_lb',
      '--scheduler',
      'mh',
      '--when-empty',
      'drop',
      '--forward-mark',
      '0',
      '--masquerade',
      '--output',
      '--keep-on-exit',
      '--metrics',
      '127.0.0.1:9333',
      '--allow-shrink',
      '--max-remove',
      '20%',
    ])._unsafeUnwrap();
    expect(options).toMatchObject({
      mode: 'render',
      rules: '/etc/lb',
      interval: 150,
      timeout: 500,
      rise: 3,
      fall: 1,
      table: 'mail_lb',
      scheduler: 'mh',
      whenEmpty: 'drop',
      forwardMark: 0,
      masquerade: true,
      output: true,
      keepOnExit: true,
      metrics: { host: '127.0.0.1', port: 9333 },
      allowShrink: true,
      maxRemove: 0.2,
    });
    expect(parseNftLbArgs(['--max-remove', '100'])._unsafeUnwrap().maxRemove).toBe(1);
    expect(parseNftLbArgs(['--reload', '4242'])._unsafeUnwrap()).toMatchObject({
      mode: 'reload',
      reloadPid: 4242,
    });
    expect(parseNftLbArgs(['--metrics', '[::1]:9'])._unsafeUnwrap().metrics).toEqual({
      host: '::1',
      port: 9,
    });
  });

  it.each([
    [['--interval', 'soon'], /--interval must be a duration/],
    [['--interval', '0'], /--interval/],
    [['--fall', '0'], /--fall must be an integer 1..100/],
    [['--rise', '2.5'], /--rise/],
    [['--scheduler', 'fastest'], /--scheduler must be one of rr, wrr/],
    [['--when-empty', 'accept'], /--when-empty must be reject or drop/],
    [['--forward-mark', '-1'], /--forward-mark/],
    [['--forward-mark', '4294967296'], /--forward-mark/],
    [['--metrics', '9333'], /--metrics must be HOST:PORT/],
    [['--check', '--render'], /exclude each other/],
    [['--check', '--reload', '12'], /exclude each other/],
    [['--reload', 'self'], /--reload must be a process id/],
    [['--reload', '1'], /--reload must be a process id/],
    [['--max-remove', '101%'], /--max-remove must be a percentage 0..100/],
    [['--max-remove', 'half'], /--max-remove/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['extra'], /positional/],
  ])('rejects %j', (argv, message) => {
    expect(parseNftLbArgs(argv)._unsafeUnwrapErr()).toMatch(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['150ms', 150],
    ['150', 150],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m', 60000],
    ['1.5', undefined],
    ['-1s', undefined],
    ['2 h', undefined],
    ['', undefined],
  ])('%j -> %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
