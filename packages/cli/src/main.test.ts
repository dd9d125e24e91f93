import { describe, expect, it } from 'vitest';
import { runCapturing as run } from './test-support.ts';

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
