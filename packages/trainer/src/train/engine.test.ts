import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, initTensorflow } from './engine.ts';

afterAll(async () => {
  await initTensorflow({ backend: 'auto', log: () => {} });
});

describe('initTensorflow', () => {
  it('runs on wasm (SIMD) by default here, where no native TensorFlow is installed, and says so', async () => {
    const lines: string[] = [];
    expect(await initTensorflow({ backend: 'auto', log: (line) => lines.push(line) })).toBe('wasm');
    expect(lines).toEqual(['baler: training on tfjs wasm backend (SIMD)']);
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.add(1, 2).dataSync()[0]).toBe(3);
  });

  it('starts the cpu backend on request', async () => {
    expect(await initTensorflow({ backend: 'cpu', log: () => {} })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('explains how to get the native backend when it is asked for and missing', async () => {
    const error = await initTensorflow({ backend: 'tensorflow', log: () => {} }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect(error.message).toMatch(/needs @tensorflow\/tfjs-node .* installed beside Baler/);
  });
});
