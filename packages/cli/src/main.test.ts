import { describe, expect, it, vi } from 'vitest';
import { runCli } from './main.ts';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    return { code: await runCli(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('runCli', () => {
  it('lists the commands with --help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['compress', 'decompress', 'info', 'demo']) expect(result.out).toContain(command);
  });

  it('exits 2 with a pointer to --help for an unknown command or option', async () => {
    expect(await run(['squash'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command "squash"'),
    });
    expect(await run(['info', '--colour'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('baler info --help'),
    });
  });

  it('asks for the error bound instead of guessing one', async () => {
    const result = await run(['compress', 'data.h5', '-o', 'out.baler']);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/missing --error-bound: state the error you accept/);
  });

  it('names a missing file and exits 2', async () => {
    const result = await run(['info', '/nonexistent/file.baler']);
    expect(result).toMatchObject({
      code: 2,
      err: 'baler: /nonexistent/file.baler: no such file or directory. Check the path.',
    });
  });
});
