// HTTP access for the web entry: a ByteSource over fetch with Range requests, so that reading rows a:b
// of a remote file downloads only the chunks that hold them. Only `fetch` is needed: browsers, workers,
// Node ≥ 18, Deno and edge runtimes all have it.
import type { ByteSource } from '@baler/format';
import type { BalerReader, OpenOptions } from './open.ts';
import { openBytes } from './open.ts';

export interface HttpSourceOptions {
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Extra request headers, e.g. authorization. */
  headers?: Record<string, string>;
}

/** Counts what an HttpSource fetched, for progress and for checking that range reads stay small. */
export interface HttpSource extends ByteSource {
  readonly bytesFetched: number;
  readonly requests: number;
}

export class HttpRangeError extends Error {
  override readonly name = 'HttpRangeError';
}

/** Opens `url` for ranged reads; the server must answer Range requests with 206 (any static host does). */
export async function httpSource(url: string | URL, options: HttpSourceOptions = {}): Promise<HttpSource> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers = options.headers ?? {};
  const head = await doFetch(url, { method: 'HEAD', headers });
  if (!head.ok) throw new HttpRangeError(`${url}: HTTP ${head.status} ${head.statusText}; check the URL.`);
  const size = Number(head.headers.get('content-length'));
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new HttpRangeError(
      `${url}: the server did not send the file's Content-Length, which range reads need.`,
    );
  }
  const state = { bytesFetched: 0, requests: 0 };
  return {
    size,
    get bytesFetched() {
      return state.bytesFetched;
    },
    get requests() {
      return state.requests;
    },
    async read(offset, length) {
      if (length === 0) return new Uint8Array(0);
      state.requests++;
      const response = await doFetch(url, {
        headers: { ...headers, range: `bytes=${offset}-${offset + length - 1}` },
      });
      if (response.status !== 206 && !(response.status === 200 && offset === 0 && length === size)) {
        throw new HttpRangeError(
          `${url}: the server answered a range request with HTTP ${response.status}; serve the file from a host that supports Range requests.`,
        );
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      state.bytesFetched += bytes.length;
      return bytes.length === length ? bytes : bytes.subarray(0, length);
    },
  };
}

/**
 * Opens the .baler file at `url` over HTTP range requests: `openBytes(await httpSource(url, options))`.
 * `reader.source` tells how many bytes were fetched so far.
 */
export async function openUrl(
  url: string | URL,
  options: HttpSourceOptions & OpenOptions = {},
): Promise<BalerReader & { readonly source: HttpSource }> {
  const source = await httpSource(url, options);
  return { ...(await openBytes(source, options.engine ? { engine: options.engine } : {})), source };
}
