import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as decoder from './index.ts';

describe('@baler/decoder public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(decoder).sort()).toMatchInlineSnapshot(`
      [
        "BalerError",
        "HttpRangeError",
        "httpSource",
        "isBalerError",
        "openBytes",
      ]
    `);
  });

  it('never imports the trainer, TensorFlow.js or Node built-ins outside the node entry', () => {
    const dir = new URL('.', import.meta.url);
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      const source = readFileSync(new URL(name, dir), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((i) => i.includes('trainer') || i.includes('tensorflow'))).toEqual([]);
      if (name !== 'node.ts')
        expect(imports.filter((i) => i.startsWith('node:') || i.endsWith('/node'))).toEqual([]);
    }
  });
});
