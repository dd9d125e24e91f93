// A static file server for the real-browser tests: serves one folder with HTTP Range support, as any
// static host does, and counts the body bytes it sends for each path, so that tests can check how much
// of a file a page downloaded.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.baler': 'application/octet-stream',
};

export interface StaticServer {
  server: Server;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Body bytes sent per path since the last `served.clear()`. */
  served: Map<string, number>;
  close(): Promise<void>;
}

/** Serves the files directly in `root` (no subfolders) on a free local port. */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const served = new Map<string, number>();
  const server = createServer(async (request, response) => {
    let path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/') path = '/index.html';
    let body: Uint8Array;
    try {
      if (!/^\/[\w.-]+$/.test(path)) throw new Error('not served');
      body = await readFile(join(root, path));
    } catch {
      response.writeHead(404).end();
      return;
    }
    const headers = {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'accept-ranges': 'bytes',
      'cache-control': 'no-store',
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
    let status = 200;
    if (range) {
      const start = Number(range[1]);
      const end = Math.min(range[2] ? Number(range[2]) : body.length - 1, body.length - 1);
      if (start > end) {
        response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      Object.assign(headers, { 'content-range': `bytes ${start}-${end}/${body.length}` });
      body = body.subarray(start, end + 1);
      status = 206;
    }
    response.writeHead(status, { ...headers, 'content-length': body.length });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    served.set(path, (served.get(path) ?? 0) + body.length);
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
