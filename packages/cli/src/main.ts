// The `baler` command: dispatches to subcommands and turns every user-facing failure into one clear
// line on stderr with exit code 2 (bad input, damaged file, existing output); bugs exit 1 with a stack.
import { isBalerError } from '@baler/format';
import { OutputExistsError, OutputPathError, removeTemporaryFiles } from '@baler/format/node';
import { compareCommand } from './commands/compare.ts';
import { compressCommand } from './commands/compress.ts';
import { decompressCommand } from './commands/decompress.ts';
import { demoCommand } from './commands/demo.ts';
import { infoCommand } from './commands/info.ts';
import { UsageError } from './usage.ts';

const COMMANDS: Record<string, { summary: string; run: (args: string[]) => Promise<void> }> = {
  compress: {
    summary: 'compress a dataset within an error bound you choose, verified at every value',
    run: compressCommand,
  },
  decompress: {
    summary: 'decode a .baler file (or a row range of it) to .npy, .npz, .h5 or .csv',
    run: decompressCommand,
  },
  train: {
    summary: 'train a model on your data and write a model directory',
    run: async (args) => (await import('./commands/train.ts')).trainCommand(args),
  },
  info: { summary: 'show what a .baler file holds and its byte breakdown', run: infoCommand },
  compare: {
    summary: 'compare Baler with zstd, shuffle + zstd and bit rounding at the same bound',
    run: compareCommand,
  },
  plot: {
    summary: 'draw diagnostics figures (columns, field frames, loss curves, Pareto plots) and an index.html',
    run: async (args) => (await import('./commands/plot.ts')).plotCommand(args),
  },
  publish: {
    summary: 'write a static site with a landing page and a web viewer for .baler files',
    // Loaded on use: publishing bundles the viewer with esbuild, which no other command needs.
    run: async (args) => (await import('./commands/publish.ts')).publishCommand(args),
  },
  sweep: {
    summary: 'run a hyperparameter sweep from experiments/NAME.json; resumes, prints the Pareto fronts',
    run: async (args) => (await import('./commands/sweep.ts')).sweepCommand(args),
  },
  demo: { summary: 'compress the embedded LHCb sample end to end', run: demoCommand },
};

export const VERSION = '0.1.0';

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `baler ${VERSION}: compress scientific data with models trained on it; every byte counted, every value checked.`,
    '',
    'Usage: baler <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'baler <command> --help' for a command's options.",
  ].join('\n');
}

/**
 * Ctrl-C (SIGINT) and SIGTERM end the command as they do by default, after deleting the temporary files
 * of outputs being written, which would otherwise be left beside them. The signal is raised again once
 * the handler is gone, so that the process dies of it and a calling shell script stops too (an exit code
 * of 130 would tell it that the command handled the signal). The handler runs between steps of the
 * work, which may take a few seconds on a large chunk.
 */
export function exitCleanlyOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      removeTemporaryFiles();
      process.kill(process.pid, signal);
    });
  }
}

/** Runs the CLI and returns its exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command)
      throw new UsageError(
        `unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}. Run 'baler --help'.`,
      );
    await command.run(args);
    return 0;
  } catch (error) {
    if (isUserError(error)) {
      console.error(`baler: ${userMessage(error as Error)}`);
      return 2;
    }
    console.error(
      `baler: internal error, please report it with the command you ran:\n${(error as Error)?.stack ?? error}`,
    );
    return 1;
  }
}

function userMessage(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `${error.path}: no such file or directory. Check the path.`;
  if (error.code === 'EACCES') return `${error.path}: permission denied.`;
  if (error.code === 'EISDIR') return `${error.path} is a directory; give a file path.`;
  if (error.code === 'ENOSPC') return 'no space left on the device; free some space or write elsewhere.';
  return error.message;
}

function isUserError(error: unknown): boolean {
  if (
    error instanceof UsageError ||
    error instanceof OutputExistsError ||
    error instanceof OutputPathError ||
    isBalerError(error)
  )
    return true;
  if ((error as { _tag?: string })?._tag === 'DataInputError') return true;
  const code = (error as NodeJS.ErrnoException)?.code;
  return (
    code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOSPC'
  );
}
