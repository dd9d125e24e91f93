// CRC-32 (IEEE 802.3, the polynomial of zlib, PNG and gzip), so that readers in any language can use
// their standard library (Python: zlib.crc32). Slicing-by-4 keeps it well above the decode throughput;
// the tables hold the u32 entries as int32 bit patterns, so that V8 never boxes an entry ≥ 2^31 as a
// double (3× faster).

const TABLES = buildTables();

function buildTables(): Int32Array[] {
  const tables = Array.from({ length: 4 }, () => new Int32Array(256));
  const t0 = tables[0]!;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n]!;
    for (let t = 1; t < 4; t++) {
      c = t0[c & 0xff]! ^ (c >>> 8);
      tables[t]![n] = c;
    }
  }
  return tables;
}

/** CRC-32 of `bytes`; pass a previous result as `crc` to continue over a further piece. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3] = TABLES as [Int32Array, Int32Array, Int32Array, Int32Array];
  let c = ~crc;
  let i = 0;
  const end4 = bytes.length - (bytes.length % 4);
  for (; i < end4; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t3[c & 0xff]! ^ t2[(c >>> 8) & 0xff]! ^ t1[(c >>> 16) & 0xff]! ^ t0[c >>> 24]!;
  }
  for (; i < bytes.length; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
