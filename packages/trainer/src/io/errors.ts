// The error every dataset reader and writer throws for a problem with the user's input: a missing file,
// an unreadable format, a dataset that is not there. The CLI maps it to exit code 2 and prints the message,
// so the message is one line that names the problem and the fix.

export interface DataInputErrorFields {
  /** The file (or `file:inner` spec) the user gave. */
  path: string;
  /** What is wrong, without a trailing period: `no dataset "/foo"`. */
  problem: string;
  /** What to do about it, as one or more sentences: `Pick one as data.h5:/data.` */
  fix: string;
}

/** A problem with a data file the user passed in. Narrow with {@link isDataInputError}. */
export class DataInputError extends Error implements DataInputErrorFields {
  override readonly name = 'DataInputError';
  readonly _tag = 'DataInputError' as const;
  readonly path: string;
  readonly problem: string;
  readonly fix: string;

  constructor(fields: DataInputErrorFields) {
    super(oneLine(`${fields.path}: ${fields.problem}. ${fields.fix}`));
    this.path = fields.path;
    this.problem = fields.problem;
    this.fix = fields.fix;
  }
}

/** True when `error` is a {@link DataInputError}. */
export function isDataInputError(error: unknown): error is DataInputError {
  return error instanceof DataInputError;
}

/** A list for an error message, cut short so that a file with thousands of entries still gives one line. */
export function listForMessage(items: readonly string[], limit = 20): string {
  if (items.length <= limit) return items.join(', ');
  return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
}

// Terminal output and log scrapers expect one line per error; text from files or libraries may hold newlines.
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
