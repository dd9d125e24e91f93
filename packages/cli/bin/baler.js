#!/usr/bin/env node
// Entry point of the `baler` command. In the workspace the TypeScript sources run through tsx's loader;
// a published build ships dist/main.js and takes that path instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/main.js', import.meta.url);
let main;
if (existsSync(built)) {
  main = await import(built.href);
} else {
  // h5wasm is a 4 MB emscripten bundle that takes tsx's loader 3 s to pass through and plain Node 0.1 s:
  // load it before tsx registers, so later imports find it in the module cache.
  if (!['info', '--help', '-h', '--version', '-v', undefined].includes(process.argv[2]))
    await import('h5wasm/node');
  const { register } = await import('tsx/esm/api');
  register();
  main = await import('../src/main.ts');
}
main.exitCleanlyOnSignals();
process.exitCode = await main.runCli(process.argv.slice(2));
