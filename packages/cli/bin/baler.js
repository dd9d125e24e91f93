#!/usr/bin/env node
// Entry point of the `baler` command. In the workspace the sources run through tsx's loader;
// a published build ships dist/main.js and takes that path instead.
import { existsSync } from 'node:fs';

const built = new URL('../dist/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
