// Coalesces the many small section reads of one decode into a few large ones. A chunk of a 26-column table
// is 26 to 52 sections; read one by one over HTTP that is as many round trips. The format's reader asks
// for sections in file order, so on a miss this source fetches the section asked for together with the
// wanted sections right after it (up to a window), and serves the next reads from that buffer.
import type { ByteSource, SectionEntry } from '@baler/format';

/** Most bytes fetched ahead at once: bounds the memory a streaming decode holds beyond its output. */
export const READ_AHEAD_BYTES = 8 << 20;

/** A view of `source` for reading `sections` (in file order), fetching runs of adjacent ones together. */
export function readAhead(
  source: ByteSource,
  sections: readonly SectionEntry[],
  window = READ_AHEAD_BYTES,
): ByteSource {
  const indexByOffset = new Map(sections.map((s, i) => [s.offset, i]));
  let buffer: Uint8Array = new Uint8Array(0);
  let bufferStart = 0;
  return {
    size: source.size,
    async read(offset, length) {
      if (offset >= bufferStart && offset + length <= bufferStart + buffer.length)
        return buffer.subarray(offset - bufferStart, offset - bufferStart + length);
      const first = indexByOffset.get(offset);
      if (first === undefined || sections[first]!.storedLength !== length) return source.read(offset, length);
      let end = offset + length;
      for (let i = first + 1; i < sections.length; i++) {
        const next = sections[i]!;
        const nextEnd = next.offset + next.storedLength;
        if (next.offset !== end || nextEnd - offset > window) break;
        end = nextEnd;
      }
      buffer = new Uint8Array(0); // let the old window go before fetching the next one
      const bytes = await source.read(offset, end - offset);
      // A short read is the format reader's to report, as it would be without read-ahead.
      if (bytes.length !== end - offset) return bytes.subarray(0, length);
      buffer = bytes;
      bufferStart = offset;
      return bytes.subarray(0, length);
    },
  };
}
