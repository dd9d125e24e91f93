import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as decoder from './index.ts';

describe('@baler/decoder public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(decoder).sort()).toMatchInlineSnapshot(`
      [
        "BalerError",
        "HttpRangeError",
        "canonicalEngine",
        "httpSource",
        "isBalerError",
        "onnxRuntimeEngine",
        "openBytes",
        "openUrl",
      ]
    `);
  });

  it('never imports the trainer, TensorFlow.js or Node built-ins outside the node entry', () => {
    const root = new URL('../', import.meta.url);
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
      (n) => /\.(ts|js|mjs)$/.test(n) && !n.startsWith('node_modules') && !n.startsWith('dist'),
    );
    expect(files).toContain('src/index.ts');
    for (const name of files) {
      const source = readFileSync(new URL(name, root), 'utf8');
      const imports = [...source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
      expect(
        imports.filter((i) => /trainer|tensorflow|tfjs/.test(i)),
        name,
      ).toEqual([]);
      // The shipped sources run in browsers and workers; only the node entry may use Node built-ins.
      if (name.startsWith('src/') && !name.endsWith('.test.ts') && name !== 'src/node.ts')
        expect(
          imports.filter((i) => i.startsWith('node:') || i.endsWith('/node')),
          name,
        ).toEqual([]);
    }
  });
});
