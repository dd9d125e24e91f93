// Picks the TensorFlow.js backend training runs on. A native TensorFlow backend (`@tensorflow/tfjs-node`
// or `-node-gpu`) is the fastest, but it downloads libtensorflow at install time, which many machines
// cannot do, so Baler does not depend on it: it uses one when the user has installed it, and otherwise
// the WebAssembly backend (XNNPACK kernels with SIMD), and the pure-JS cpu backend as the last resort.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface EngineOptions {
  /** `auto` (default): tensorflow if installed, else wasm, else cpu. Naming one backend requires it. */
  backend?: BackendChoice;
  /** Where the one-line report of the chosen backend goes (default: stderr). */
  log?: (line: string) => void;
}

/** Thrown when the backend the user named cannot be started; the message says how to fix it. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  readonly _tag = 'BackendUnavailableError' as const;
}

// Optional native bindings: never listed as dependencies, found only if the user installed one.
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

// TensorFlow.js itself loads on first use (~0.2 s), so that importing @baler/trainer for anything else
// (reading files, compressing) does not pay for it.
let tf: typeof TF | undefined;
let started: Promise<string> | undefined;
let startedChoice: BackendChoice | undefined;

/**
 * Starts TensorFlow.js on the best backend present (or the one named) and returns the backend's name:
 * `tensorflow`, `wasm` or `cpu`. Logs one line saying which runs. Calling it again with the same choice is
 * free; with another choice it switches backends.
 */
export async function initTensorflow(options: EngineOptions = {}): Promise<string> {
  const choice = options.backend ?? 'auto';
  if (!started || startedChoice !== choice) {
    startedChoice = choice;
    started = start(choice).then((name) => {
      (options.log ?? ((line: string) => console.error(line)))(
        `baler: training on ${describe(name, choice)}`,
      );
      return name;
    });
    started.catch(() => {
      started = undefined;
    });
  }
  return started;
}

/** The TensorFlow.js module, once {@link initTensorflow} (or {@link ensureTensorflow}) has loaded it. */
export function tfjs(): typeof TF {
  if (!tf) throw new Error('TensorFlow.js is not loaded yet: await initTensorflow() first');
  return tf;
}

/** Starts the default backend unless {@link initTensorflow} already ran; returns the backend's name. */
export async function ensureTensorflow(): Promise<string> {
  return started ?? initTensorflow();
}

async function start(choice: BackendChoice): Promise<string> {
  tf ??= await import('@tensorflow/tfjs-core');
  // Silences tfjs's console advice ("install tfjs-node …"): Baler reports the backend itself.
  tf!.env().set('PROD', true);
  const order: BackendChoice[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  const problems: string[] = [];
  for (const candidate of order) {
    try {
      if (await tryBackend(tf, candidate)) return tf.getBackend();
      problems.push(`${candidate}: not available`);
    } catch (error) {
      problems.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new BackendUnavailableError(
    choice === 'tensorflow'
      ? `the tensorflow backend needs @tensorflow/tfjs-node (or -node-gpu) installed beside Baler (${problems.join('; ')}). Install it, or use --backend wasm.`
      : `no TensorFlow.js backend could start (${problems.join('; ')}).`,
  );
}

async function tryBackend(tf: typeof TF, candidate: BackendChoice): Promise<boolean> {
  switch (candidate) {
    case 'tensorflow':
      for (const name of NATIVE_PACKAGES) {
        try {
          await import(/* @vite-ignore */ name);
        } catch {
          continue;
        }
        if (tf.findBackend('tensorflow') && (await tf.setBackend('tensorflow'))) return true;
      }
      return false;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // The backend finds its .wasm files next to its own script in Node's CommonJS build, but not
      // when bundled; pointing it at the installed directory works in both.
      const require = createRequire(import.meta.url);
      const directory = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(`${directory}/`);
      // Emscripten's runtime adds process handlers that rethrow every uncaught error, printing its whole
      // minified source with it; restore Node's own reporting.
      const before = new Set<unknown>([
        ...process.listeners('uncaughtException'),
        ...process.listeners('unhandledRejection'),
      ]);
      try {
        return await tf.setBackend('wasm');
      } finally {
        for (const listener of process.listeners('uncaughtException'))
          if (!before.has(listener)) process.removeListener('uncaughtException', listener);
        for (const listener of process.listeners('unhandledRejection'))
          if (!before.has(listener)) process.removeListener('unhandledRejection', listener);
      }
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return await tf.setBackend('cpu');
    default:
      return false;
  }
}

function describe(name: string, choice: BackendChoice): string {
  if (name === 'wasm') {
    const tf = tfjs();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return `tfjs wasm backend (${simd ? 'SIMD' : 'no SIMD'}${threads ? ', multi-threaded kernels' : ''})`;
  }
  if (name === 'tensorflow') return 'tfjs native TensorFlow backend (@tensorflow/tfjs-node)';
  return choice === 'cpu'
    ? 'tfjs cpu backend (plain JavaScript)'
    : 'tfjs cpu backend (plain JavaScript: slow; the wasm backend failed to start)';
}
