// Typed errors of the .baler reader and writer. Callers branch on `_tag`, never on message text;
// every error carries structured fields and a message that says what is wrong and what to do.

export interface BalerErrorFields {
  /** The first bytes are not the .baler magic: not a .baler file, or damaged from the start. */
  BadMagic: { where: 'header' | 'footer'; found: string };
  /** The file was written by a newer, incompatible major version of the format. */
  UnsupportedVersion: { major: number; minor: number; supportedMajor: number };
  /** The file ends before a structure it declares. */
  Truncated: { what: string; needed: number; available: number };
  /** Stored bytes do not match their CRC-32: the file was damaged in storage or transfer. */
  ChecksumMismatch: { section: string; expected: number; found: number };
  /** An offset, length or count points outside the file or outside its own structure. */
  OutOfRange: { what: string; value: number; min: number; max: number };
  /** A declared size exceeds what this reader will allocate. */
  AbsurdSize: { what: string; value: number; limit: number };
  /** A section uses a codec id this reader does not know. */
  UnknownCodec: { section: string; codec: number };
  /** A required section kind is unknown to this reader. */
  UnknownSection: { kind: number };
  /** A section is missing, duplicated, or its contents contradict the metadata. */
  MalformedSection: { section: string; reason: string };
  /** The metadata JSON is unreadable or does not follow the schema in SPEC.md. */
  MalformedMetadata: { path: string; reason: string };
  /** The file asks for a feature (method, dtype) this reader does not implement. */
  Unsupported: { feature: string; value: string };
  /** The caller asked for something the file cannot give (e.g. rows past the end). */
  BadRequest: { reason: string };
}

export type BalerErrorTag = keyof BalerErrorFields;

/** The error thrown for every problem with a .baler file. Narrow with {@link isBalerError}. */
export class BalerError<T extends BalerErrorTag = BalerErrorTag> extends Error {
  override readonly name = 'BalerError';
  readonly _tag: T;
  readonly fields: BalerErrorFields[T];

  constructor(tag: T, fields: BalerErrorFields[T], message: string) {
    super(message);
    this._tag = tag;
    this.fields = fields;
  }
}

/** True when `error` is a BalerError, and of the given tag when one is named. */
export function isBalerError<T extends BalerErrorTag>(error: unknown, tag?: T): error is BalerError<T> {
  return error instanceof BalerError && (tag === undefined || error._tag === tag);
}

const REWRITE_HINT = 'Fetch or copy the file again from its source; if it was written by Baler, rewrite it.';

export const formatErrors = {
  badMagic: (where: 'header' | 'footer', found: Uint8Array) =>
    new BalerError(
      'BadMagic',
      { where, found: hex(found) },
      where === 'header'
        ? `Not a .baler file: the first bytes are ${hex(found)}, not the .baler magic 89 42 41 4c 45 52 0d 0a. Check that you passed the right file.`
        : `The .baler file has no valid footer (last bytes ${hex(found)}): it is truncated or has bytes appended. ${REWRITE_HINT}`,
    ),
  unsupportedVersion: (major: number, minor: number, supportedMajor: number) =>
    new BalerError(
      'UnsupportedVersion',
      { major, minor, supportedMajor },
      `This .baler file uses format version ${major}.${minor}; this reader understands major version ${supportedMajor}. Upgrade @baler/format (or @baler/decoder) to read it.`,
    ),
  truncated: (what: string, needed: number, available: number) =>
    new BalerError(
      'Truncated',
      { what, needed, available },
      `The .baler file is truncated: ${what} needs ${needed} bytes but only ${available} are there. ${REWRITE_HINT}`,
    ),
  checksum: (section: string, expected: number, found: number) =>
    new BalerError(
      'ChecksumMismatch',
      { section, expected, found },
      `Checksum mismatch in ${section}: stored CRC-32 ${crcHex(expected)}, computed ${crcHex(found)}. The file is damaged. ${REWRITE_HINT}`,
    ),
  outOfRange: (what: string, value: number, min: number, max: number) =>
    new BalerError(
      'OutOfRange',
      { what, value, min, max },
      `Malformed .baler file: ${what} is ${value}, outside the valid range [${min}, ${max}]. ${REWRITE_HINT}`,
    ),
  absurdSize: (what: string, value: number, limit: number) =>
    new BalerError(
      'AbsurdSize',
      { what, value, limit },
      `Refusing to allocate: ${what} declares ${value} bytes, more than the limit of ${limit}. The file is damaged or hostile.`,
    ),
  unknownCodec: (section: string, codec: number) =>
    new BalerError(
      'UnknownCodec',
      { section, codec },
      `${section} is encoded with codec id ${codec}, which this reader does not know. Upgrade @baler/format (or @baler/decoder), or check the file is not damaged.`,
    ),
  unknownSection: (kind: number) =>
    new BalerError(
      'UnknownSection',
      { kind },
      `The file contains a required section of kind ${kind}, which this reader does not know. Upgrade @baler/format (or @baler/decoder).`,
    ),
  malformedSection: (section: string, reason: string) =>
    new BalerError(
      'MalformedSection',
      { section, reason },
      `Malformed .baler file: ${section}: ${reason}. ${REWRITE_HINT}`,
    ),
  malformedMetadata: (path: string, reason: string) =>
    new BalerError(
      'MalformedMetadata',
      { path, reason },
      `Malformed .baler metadata at ${path}: ${reason}. ${REWRITE_HINT}`,
    ),
  unsupported: (feature: string, value: string) =>
    new BalerError(
      'Unsupported',
      { feature, value },
      `This reader does not support ${feature} "${value}". Upgrade @baler/format (or @baler/decoder).`,
    ),
  badRequest: (reason: string) => new BalerError('BadRequest', { reason }, reason),
};

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function crcHex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}
