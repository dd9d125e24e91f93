// index.html: one page that shows every figure written, with relative links only (it works opened from
// file:// and when the directory is copied elsewhere), and a slider with play/pause for field frames.
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface Figure {
  /** A path in the output directory; only its base name is linked. */
  file: string;
  caption: string;
}

export type Section =
  | { kind: 'figures'; heading: string; text?: string; figures: Figure[] }
  | { kind: 'frames'; heading: string; text?: string; figures: Figure[] };

export interface IndexPage {
  title: string;
  /** Lines under the title: what was compared, the command, timings. */
  notes: string[];
  sections: Section[];
}

export const INDEX_FILE = 'index.html';

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function renderIndex(page: IndexPage): string {
  const sections = page.sections.map((s, i) =>
    s.kind === 'frames' ? framesSection(s, i) : figuresSection(s),
  );
  const files = page.sections.flatMap((s) => s.figures.map((f) => basename(f.file)));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1400px; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
  .notes { color: #555; margin: 0; padding-left: 1.2rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1rem; }
  figure { margin: 0; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
  .single figure img { width: auto; max-width: 100%; }
  figcaption { font-size: 0.85rem; color: #555; }
  .frames img { max-width: 100%; border: 1px solid #eee; }
  .controls { display: flex; gap: 0.8rem; align-items: center; margin: 0.5rem 0; }
  .controls input[type=range] { flex: 1; }
  details { margin-top: 2rem; } code { font-size: 0.85rem; }
</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<ul class="notes">${page.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
${sections.join('\n')}
<details><summary>${files.length} files written</summary>
<ul>${files.map((f) => `<li><a href="${encodeURI(f)}"><code>${escapeHtml(f)}</code></a></li>`).join('')}</ul>
</details>
</body>
</html>
`;
}

function figuresSection(section: Section): string {
  const figures = section.figures
    .map(
      (f) =>
        `<figure><a href="${encodeURI(basename(f.file))}"><img src="${encodeURI(basename(f.file))}" alt="${escapeHtml(f.caption)}" loading="lazy"></a><figcaption>${escapeHtml(f.caption)}</figcaption></figure>`,
    )
    .join('\n');
  return `<h2>${escapeHtml(section.heading)}</h2>
${section.text ? `<p>${escapeHtml(section.text)}</p>` : ''}
<div class="${section.figures.length > 1 ? 'grid' : 'single'}">
${figures}
</div>`;
}

function framesSection(section: Section, index: number): string {
  const id = `frames${index}`;
  const files = section.figures.map((f) => encodeURI(basename(f.file)));
  const captions = section.figures.map((f) => f.caption);
  const first = section.figures[0];
  if (!first) return `<h2>${escapeHtml(section.heading)}</h2><p>no frames drawn</p>`;
  // The frame list is JSON in the page, so the slider needs no fetch (file:// forbids it).
  return `<h2>${escapeHtml(section.heading)}</h2>
${section.text ? `<p>${escapeHtml(section.text)}</p>` : ''}
<div class="frames" id="${id}">
<div class="controls">
  <button type="button">play</button>
  <input type="range" min="0" max="${files.length - 1}" value="0" step="1" aria-label="frame">
  <span class="caption">${escapeHtml(first.caption)}</span>
</div>
<a href="${files[0]}"><img src="${files[0]}" alt="${escapeHtml(first.caption)}"></a>
</div>
<script>
(() => {
  const files = ${JSON.stringify(files).replace(/</g, '\\u003c')};
  const captions = ${JSON.stringify(captions).replace(/</g, '\\u003c')};
  const root = document.getElementById(${JSON.stringify(id)});
  const slider = root.querySelector('input');
  const image = root.querySelector('img');
  const link = root.querySelector('a');
  const caption = root.querySelector('.caption');
  const button = root.querySelector('button');
  // Preload so that playing does not flicker.
  for (const f of files) new Image().src = f;
  const show = (i) => {
    slider.value = String(i);
    image.src = files[i]; image.alt = captions[i]; link.href = files[i]; caption.textContent = captions[i];
  };
  slider.addEventListener('input', () => show(Number(slider.value)));
  let timer = null;
  button.addEventListener('click', () => {
    if (timer) { clearInterval(timer); timer = null; button.textContent = 'play'; return; }
    button.textContent = 'pause';
    timer = setInterval(() => show((Number(slider.value) + 1) % files.length), 200);
  });
})();
</script>`;
}

export async function writeIndex(outDir: string, page: IndexPage): Promise<string> {
  const path = join(outDir, INDEX_FILE);
  await writeFile(path, renderIndex(page));
  return path;
}
