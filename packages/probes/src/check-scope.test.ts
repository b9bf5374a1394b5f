import { describe, expect, it } from 'vitest';
import { CheckScope } from './check-scope.js';

describe('CheckScope', () => {
  it('succeeds once and runs every release exactly once', async () => {
    const released: string[] = [];
    const result = await CheckScope.run({ timeoutMs: 1000 }, (scope) => {
      scope.defer(() => released.push('a'));
      scope.defer(() => released.push('b'));
      scope.succeed('id');
      scope.fail('refused', 'late');
      scope.succeed('again');
    });
    expect(result._unsafeUnwrap().identity).toBe('id');
    expect(released).toEqual(['a', 'b']);
  });

  it('fails with timeout at the deadline and releases', async () => {
    let released = 0;
    const started = performance.now();
    const result = await CheckScope.run({ timeoutMs: 50 }, (scope) => {
      scope.defer(() => released++);
    });
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe('timeout');
    expect(error.latencyMs).toBeGreaterThanOrEqual(45);
    expect(performance.now() - started).toBeLessThan(500);
    expect(released).toBe(1);
  });

  it('honours abort during the check and removes its listener', async () => {
    const ac = new AbortController();
    let released = 0;
    const pending = CheckScope.run({ timeoutMs: 10_000, signal: ac.signal }, (scope) => {
      scope.defer(() => released++);
    });
    ac.abort();
    expect((await pending)._unsafeUnwrapErr().kind).toBe('aborted');
    expect(released).toBe(1);
  });

  it('fails at once on an already aborted signal without running the body', async () => {
    let ran = false;
    const result = await CheckScope.run({ timeoutMs: 1000, signal: AbortSignal.abort() }, () => {
      ran = true;
    });
    expect(result._unsafeUnwrapErr().kind).toBe('aborted');
    expect(ran).toBe(false);
  });

  it('turns a throwing body into an internal error, releasing what it opened', async () => {
    let released = 0;
    const result = await CheckScope.run({ timeoutMs: 1000 }, (scope) => {
      scope.defer(() => released++);
      throw new Error('boom');
    });
    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'internal',
      message: expect.stringContaining('boom'),
    });
    expect(released).toBe(1);
  });

  it('runs a release registered after the verdict at once', async () => {
    let released = 0;
    let scope: CheckScope | undefined;
    await CheckScope.run({ timeoutMs: 1000 }, (s) => {
      scope = s;
      s.succeed();
    });
    scope?.defer(() => released++);
    expect(released).toBe(1);
  });

  it('rejects a non-positive timeout as a timeout', async () => {
    for (const timeoutMs of [0, -1, Number.NaN]) {
      const result = await CheckScope.run({ timeoutMs }, (scope) => scope.succeed());
      expect(result._unsafeUnwrapErr().kind).toBe('timeout');
    }
  });

  it('leaves no timer behind after many checks', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const ac = new AbortController();
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        CheckScope.run({ timeoutMs: 60_000, signal: ac.signal }, (scope) => {
          if (i % 2) scope.succeed();
          else queueMicrotask(() => scope.fail('refused', 'x'));
        }),
      ),
    );
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe('CheckScope with one shared signal', () => {
  it('aborts every check under way through a single listener', async () => {
    const ac = new AbortController();
    const warnings: unknown[] = [];
    const onWarning = (w: unknown) => warnings.push(w);
    process.on('warning', onWarning);
    const pending = Array.from({ length: 100 }, () =>
      CheckScope.run({ timeoutMs: 10_000, signal: ac.signal }, () => {}),
    );
    ac.abort();
    const results = await Promise.all(pending);
    expect(results.every((r) => r.isErr() && r.error.kind === 'aborted')).toBe(true);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
  });
});
