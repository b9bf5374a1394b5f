import { type BackendError, backendError } from '@lbkit/core';
import { type NetnsSwitch, openNetnsSwitch } from '@lbkit/netlink';
import koffi from 'koffi';
import { err, errAsync, ok, okAsync, type Result, type ResultAsync } from 'neverthrow';
import { LIBNFTABLES_CANDIDATES, NFT_CTX_DEFAULT, NFT_CTX_OUTPUT } from '../wire/uapi.js';
import { classifyNftError, parseNftJson } from './classify.js';
import type { NftRunner } from './nft-runner.js';

/** Options for `createLibnftablesTransport`. */
export interface LibnftablesOptions {
  /**
   * Library to load (soname or path). Default: the first of `libnftables.so.1`
   * and the usual Debian/RHEL paths that loads.
   */
  readonly library?: string;
  /**
   * Named network namespace (`ip netns add NAME`) to act in. Every library call
   * switches the calling thread into it with `setns(2)` and back (a few µs), so
   * the host's ruleset is never touched. Default: the process's own namespace.
   */
  readonly netns?: string;
}

interface Lib {
  ctxNew: (flags: number) => unknown;
  ctxFree: (ctx: unknown) => void;
  bufferOutput: (ctx: unknown) => number;
  bufferError: (ctx: unknown) => number;
  getOutput: (ctx: unknown) => string | null;
  getError: (ctx: unknown) => string | null;
  setFlags: (ctx: unknown, flags: number) => void;
  runCmd: (ctx: unknown, buf: string) => number;
}

let ctxTypeDeclared = false;
/** koffi type names are global: declare the opaque context type once per process. */
function declareCtxType(): void {
  if (ctxTypeDeclared) return;
  koffi.opaque('nft_ctx');
  ctxTypeDeclared = true;
}

function loadLibrary(
  library: string | undefined,
): Result<{ lib: Lib; path: string }, BackendError> {
  const candidates = library ? [library] : LIBNFTABLES_CANDIDATES;
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      const so = koffi.load(path);
      declareCtxType();
      const lib: Lib = {
        ctxNew: so.func('nft_ctx *nft_ctx_new(uint32_t flags)'),
        ctxFree: so.func('void nft_ctx_free(nft_ctx *ctx)'),
        bufferOutput: so.func('int nft_ctx_buffer_output(nft_ctx *ctx)'),
        bufferError: so.func('int nft_ctx_buffer_error(nft_ctx *ctx)'),
        getOutput: so.func('const char *nft_ctx_get_output_buffer(nft_ctx *ctx)'),
        getError: so.func('const char *nft_ctx_get_error_buffer(nft_ctx *ctx)'),
        setFlags: so.func('void nft_ctx_output_set_flags(nft_ctx *ctx, unsigned int flags)'),
        runCmd: so.func('int nft_run_cmd_from_buffer(nft_ctx *nft, const char *buf)'),
      };
      return ok({ lib, path });
    } catch (cause) {
      failures.push(`${path}: ${(cause as Error).message}`);
    }
  }
  return err(
    backendError(
      'unavailable',
      `libnftables not loadable (package libnftables1): ${failures.join('; ')}`,
    ),
  );
}

/**
 * The default transport: libnftables through FFI (koffi) with ONE long-lived
 * context (`nft_ctx_new` once, output and error buffered). A script runs as one
 * `nft_run_cmd_from_buffer` call, which nft commits as one netlink batch: all or
 * nothing. JSON reads toggle `NFT_CTX_OUTPUT_JSON` on the same context.
 *
 * Calls are synchronous on the calling thread (about 0.1-0.3 ms for a small
 * change, longer for a whole large ruleset); this keeps `netns` switching safe.
 * Fails with `unavailable` when the library cannot be loaded or the namespace
 * cannot be entered. Needs CAP_NET_ADMIN for writes.
 */
export function openLibnftables(options: LibnftablesOptions = {}): Result<NftRunner, BackendError> {
  const loaded = loadLibrary(options.library);
  if (loaded.isErr()) return err(loaded.error);
  const { lib } = loaded.value;
  let netns: NetnsSwitch | undefined;
  if (options.netns !== undefined) {
    const opened = openNetnsSwitch(options.netns);
    if (opened.isErr()) {
      return err(backendError('unavailable', `libnftables: ${opened.error.message}`));
    }
    netns = opened.value;
  }
  const inNs = <T>(fn: () => T): T => (netns ? netns.run(fn) : fn());
  const ctx = inNs(() => lib.ctxNew(NFT_CTX_DEFAULT));
  if (!ctx) {
    netns?.close();
    return err(backendError('unavailable', 'nft_ctx_new failed'));
  }
  if (lib.bufferOutput(ctx) !== 0 || lib.bufferError(ctx) !== 0) {
    lib.ctxFree(ctx);
    netns?.close();
    return err(backendError('unavailable', 'nft_ctx_buffer_output/error failed'));
  }
  let closed = false;
  let jsonMode = false;

  /** One library call; returns rc, output and error text (both buffers are drained). */
  const call = (text: string, json: boolean) => {
    if (json !== jsonMode) {
      lib.setFlags(ctx, json ? NFT_CTX_OUTPUT.JSON : NFT_CTX_OUTPUT.DEFAULT);
      jsonMode = json;
    }
    const rc = inNs(() => lib.runCmd(ctx, text));
    const output = lib.getOutput(ctx) ?? '';
    const error = lib.getError(ctx) ?? '';
    return { rc, output, error };
  };

  const closedError = () => errAsync(backendError('closed', 'libnftables transport is closed'));

  return ok({
    name: 'libnftables',
    run(script: string): ResultAsync<string, BackendError> {
      if (closed) return closedError();
      try {
        const { rc, output, error } = call(script, false);
        if (rc !== 0)
          return errAsync(classifyNftError('nft (libnftables) refused the script', error));
        return okAsync(output);
      } catch (cause) {
        return errAsync(
          backendError('internal', `libnftables call failed: ${String(cause)}`, { cause }),
        );
      }
    },
    json(command: string): ResultAsync<unknown, BackendError> {
      if (closed) return closedError();
      try {
        const { rc, output, error } = call(command, true);
        if (rc !== 0) return errAsync(classifyNftError(`nft -j ${command}`, error));
        const parsed = parseNftJson(output);
        return parsed.ok ? okAsync(parsed.value) : errAsync(parsed.error);
      } catch (cause) {
        return errAsync(
          backendError('internal', `libnftables call failed: ${String(cause)}`, { cause }),
        );
      }
    },
    close() {
      if (closed) return;
      closed = true;
      lib.ctxFree(ctx);
      netns?.close();
    },
  });
}
