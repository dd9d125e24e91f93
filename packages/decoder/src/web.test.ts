import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemorySink, writeExactDataset } from '@baler/format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBytes } from './open.ts';
import { httpSource, openUrl } from './web.ts';

const rows = 5000;
const table = {
  kind: 'table' as const,
  rowCount: rows,
  columns: [
    { name: 'a', dtype: 'float64' as const, data: new Float64Array(rows).map(Math.random) },
    { name: 'b', dtype: 'int32' as const, data: new Int32Array(rows).map((_, i) => i) },
  ],
  attributes: {},
};
let bytes: Uint8Array;
let url: string;
const server = createServer((request, response) => {
  const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
  if (request.method === 'HEAD') {
    response.writeHead(200, { 'content-length': bytes.length, 'accept-ranges': 'bytes' }).end();
  } else if (range) {
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), bytes.length - 1);
    response
      .writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}` })
      .end(bytes.subarray(start, end + 1));
  } else {
    response.writeHead(200).end(bytes);
  }
});

beforeAll(async () => {
  const sink = new MemorySink();
  await writeExactDataset(table, sink, { chunkRows: 500 });
  bytes = sink.bytes();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/t.baler`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('httpSource', () => {
  it('reads a row range over HTTP range requests, fetching less than the file', async () => {
    const source = await httpSource(url);
    const reader = await openBytes(source);
    const part = await reader.read({ start: 1200, end: 1300 });
    expect(part.kind === 'table' && Array.from(part.columns[1]!.data as Int32Array)).toEqual(
      Array.from({ length: 100 }, (_, i) => 1200 + i),
    );
    expect(source.bytesFetched).toBeLessThan(bytes.length / 2);
    // The header, the file's tail (footer, table, metadata, index), then the chunk's sections in one read.
    expect(source.requests).toBe(3);
  });

  it('openUrl opens a remote file in one call and reports what it fetched', async () => {
    const reader = await openUrl(url);
    expect(reader.info).toMatchObject({
      kind: 'table',
      shape: [rows, 2],
      chunks: 10,
      fileBytes: bytes.length,
    });
    const part = await reader.read({ start: 4990, end: 5000 });
    expect(part.kind === 'table' && Array.from(part.columns[0]!.data as Float64Array)).toEqual(
      Array.from(table.columns[0]!.data.subarray(4990)),
    );
    expect(reader.source.requests).toBeGreaterThan(0);
    expect(reader.source.bytesFetched).toBeLessThan(bytes.length / 2);
  });

  it('says so when the server has no such file', async () => {
    await expect(
      httpSource(`${url}/missing`, { fetch: async () => new Response(null, { status: 404 }) }),
    ).rejects.toThrow(/HTTP 404/);
  });
});
