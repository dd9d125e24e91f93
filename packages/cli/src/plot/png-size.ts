// Reads a PNG's pixel size from its header, checking the signature and IHDR chunk: how tests and the
// HTML index know what was written without decoding the image.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const isPng = bytes.length >= 24 && SIGNATURE.every((b, i) => bytes[i] === b);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR')
    throw new Error('not a PNG file (bad signature or no IHDR chunk first)');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
