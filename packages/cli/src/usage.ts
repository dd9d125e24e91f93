// Command-line argument parsing on node:util's parseArgs, with errors a user can act on.
import { parseArgs } from 'node:util';

/** A mistake in how the command was called: exit code 2, with the fix in the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export function parseCommand<O extends OptionSpec>(
  command: string,
  args: string[],
  options: O,
  usage: string,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains an option followed by a value starting with '-' over three lines; one will do.
    const first = (error as Error).message.split('\n')[0]!;
    // parseArgs names the option as typed (-e or --error-bound); the fix is written with the long name.
    const dash = /^Option '(-\w|--[\w-]+)' argument is ambiguous/.exec(first)?.[1];
    const long = dash?.startsWith('--')
      ? dash.slice(2)
      : Object.entries(options).find(([, o]) => `-${o.short}` === dash)?.[0];
    const message = dash
      ? `${dash} needs a value; write one that starts with '-' as --${long}=-VALUE.`
      : first;
    throw new UsageError(`${message}\n\nUsage: ${usage}\nRun 'baler ${command} --help' for details.`);
  }
}

export function requireOne(positionals: string[], what: string, usage: string): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `missing ${what}.\n\nUsage: ${usage}`
        : `expected one ${what}, got ${positionals.length}: ${positionals.join(' ')}\n\nUsage: ${usage}`,
    );
  }
  return positionals[0]!;
}

/** Parses `a:b` (either side may be empty) into a half-open row range. */
export function parseRows(text: string): { start?: number; end?: number } {
  const match = /^(\d*):(\d*)$/.exec(text.trim());
  if (!match)
    throw new UsageError(`--rows takes a:b with whole numbers (e.g. 100:200, :50 or 10:), got "${text}"`);
  return {
    ...(match[1] ? { start: Number(match[1]) } : {}),
    ...(match[2] ? { end: Number(match[2]) } : {}),
  };
}
