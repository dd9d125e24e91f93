/**
 * @baler/cli — the `baler` command. Programmatic use runs it in-process:
 *
 * @example
 * ```ts
 * import { runCli } from '@baler/cli';
 * const exitCode = await runCli(['info', 'data.baler', '--json']);
 * ```
 */
export { runCli, VERSION } from './main.ts';
