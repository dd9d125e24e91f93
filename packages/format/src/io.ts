// Where a .baler file's bytes come from and go to. The core knows nothing of files or HTTP: the Node and
// web entry points provide sources (file handles, range requests) and sinks (atomic temporary files).

/** Random access to the bytes of a file that may live on disk, in memory or behind HTTP. */
export interface ByteSource {
  /** Total length of the file in bytes. */
  readonly size: number;
  /** Exactly `length` bytes from `offset`; the caller guarantees the range lies within `size`. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where a writer streams its bytes, in order, in one pass. */
export interface ByteSink {
  write(bytes: Uint8Array): void | Promise<void>;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** A sink that collects everything in memory; `bytes()` joins what was written. */
export class MemorySink implements ByteSink {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  write(bytes: Uint8Array): void {
    this.parts.push(bytes.slice());
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return concatBytes(this.parts, this.length);
  }
}

/** The pieces joined into one array; `length` is their total when the caller already knows it. */
export function concatBytes(
  parts: readonly Uint8Array[],
  length = parts.reduce((n, p) => n + p.length, 0),
): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
