import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogOutput } from './log-output.js';

/** A stream that collects what is written. */
function collector() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { stream, text: () => chunks.join('') };
}

/** A stream whose reader is gone: every write fails with `code`, as a closed pipe does. */
function broken(code: string) {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createLogOutput', () => {
  it('writes one escaped, capped line per call; journald priorities on request', () => {
    const out = collector();
    const err = collector();
    const log = createLogOutput({
      journald: true,
      stdout: out.stream,
      stderr: err.stream,
      maxLineChars: 40,
    });
    log.info('first check: ok (=ns1=\n<0>forged\u001b[2J)');
    log.warn('x'.repeat(100));
    expect(out.text()).toBe('<6>first check: ok (=ns1=\\n<0>forged\\u001b…\n');
    expect(err.text()).toBe(`<4>${'x'.repeat(39)}…\n`);
    expect(out.text().split('\n')).toHaveLength(2);
  });

  it('a closed stdout (EPIPE) is never fatal: its lines, the failed one too, go to stderr', async () => {
    const err = collector();
    const log = createLogOutput({ journald: false, stdout: broken('EPIPE'), stderr: err.stream });
    log.info('one');
    await tick();
    log.info('two');
    log.warn('three');
    await tick();
    expect(err.text()).toBe(
      'stdout is gone (EPIPE); its lines go to stderr from now on\none\ntwo\nthree\n',
    );
  });

  it('with both streams gone (EIO), lines are dropped and nothing throws', async () => {
    const log = createLogOutput({ stdout: broken('EIO'), stderr: broken('EIO') });
    for (let i = 0; i < 100; i++) {
      log.info(`line ${i}`);
      log.warn(`line ${i}`);
      log.print('raw\n');
    }
    await tick();
    log.info('after');
  });

  it('print writes text as it is', () => {
    const out = collector();
    const log = createLogOutput({ stdout: out.stream, stderr: collector().stream });
    log.print('line 1\nline 2\n');
    expect(out.text()).toBe('line 1\nline 2\n');
  });
});
