// Runs each trial evaluation in a process of its own: a sweep with --jobs N keeps N of them busy. A
// process per evaluation keeps TensorFlow.js memory and backend state from leaking between trials, and
// lets a killed sweep take its trials down with it (they exit when their parent's channel closes).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TrialRunner, TrialTask } from './evaluate.ts';
import type { TrialMeasurement } from './results.ts';

/** Lines of a crashed worker's stderr kept for its failure message. */
const STDERR_TAIL = 5;

/** A TrialRunner that evaluates every task in a fresh worker process. */
export function processTrialRunner(): TrialRunner {
  return (task) => runInProcess(task);
}

function runInProcess(task: TrialTask): Promise<TrialMeasurement> {
  const child = startWorker();
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr.push(...text.split('\n').filter((line) => line.trim() !== ''));
    stderr.splice(0, Math.max(0, stderr.length - STDERR_TAIL));
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    child.on('message', (message: { ready?: true; measurement?: TrialMeasurement; error?: string }) => {
      if (message.ready) return void child.send(task);
      settled = true;
      if (message.measurement) resolve(message.measurement);
      else reject(new Error(message.error ?? 'the trial worker sent no result'));
    });
    child.on('error', (error) => {
      settled = true;
      reject(error);
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`the trial worker ${why}${stderr.length ? `: ${stderr.join(' | ')}` : ''}`));
    });
  });
}

function startWorker(): ChildProcess {
  const options = {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'] as ('ignore' | 'pipe' | 'ipc')[],
    // Structured clone: the dataset's typed arrays travel as they are.
    serialization: 'advanced' as const,
  };
  const entry = new URL(`./trial-process${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return spawn(process.execPath, [entry.pathname], options);
  return spawn(process.execPath, ['--input-type=module', '-e', typescriptEntry(entry)], options);
}

/**
 * Code that loads a TypeScript entry through tsx, as the `baler` bin does: h5wasm first, because tsx's
 * loader takes seconds to pass its 4 MB bundle through and plain Node a tenth of that.
 */
function typescriptEntry(entry: URL): string {
  const require = createRequire(import.meta.url);
  const exportOf = (name: string, subpath: string) => {
    // Not require.resolve(`${name}/package.json`): packages whose exports omit it (h5wasm) refuse that.
    const root = require.resolve
      .paths(name)
      ?.map((dir) => join(dir, name))
      .find((dir) => existsSync(join(dir, 'package.json')));
    if (!root) throw new Error(`cannot find the package ${name} to start a trial worker`);
    const target = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports[subpath].import;
    return pathToFileURL(join(root, typeof target === 'string' ? target : target.default)).href;
  };
  const h5wasm = exportOf('h5wasm', './node');
  const tsx = exportOf('tsx', './esm/api');
  return [
    `await import(${JSON.stringify(h5wasm)});`,
    `(await import(${JSON.stringify(tsx)})).register();`,
    `await import(${JSON.stringify(entry.href)});`,
  ].join('\n');
}
