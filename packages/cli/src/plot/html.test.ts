import { describe, expect, it } from 'vitest';
import { renderIndex } from './html.ts';

describe('renderIndex', () => {
  const html = renderIndex({
    title: 'a <b> & "c"',
    notes: ['x < y'],
    sections: [
      {
        kind: 'figures',
        heading: 'Columns',
        figures: [{ file: '/abs/out/column-00-a b.png', caption: 'a & b' }],
      },
      {
        kind: 'frames',
        heading: 'Frames',
        figures: [
          { file: '/abs/out/frame-0.png', caption: 'frame 0' },
          { file: '/abs/out/frame-1.png', caption: 'frame </script>' },
        ],
      },
    ],
  });

  it('links every figure by its name in the directory, so the page works from file:// and when moved', () => {
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toContain('column-00-a%20b.png');
    expect(links).toContain('frame-0.png');
    expect(links.some((l) => l?.includes('/abs/'))).toBe(false);
  });

  it('escapes text and keeps captions from closing the slider script', () => {
    expect(html).toContain('<title>a &lt;b&gt; &amp; &quot;c&quot;</title>');
    expect(html).toContain('<li>x &lt; y</li>');
    expect(html).not.toContain('frame </script>');
    expect(html).toContain('["frame-0.png","frame-1.png"]');
  });
});
