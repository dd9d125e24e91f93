// The landing page of a `baler publish` site: each file with what it holds, its error bound, honest size
// and ratio, provenance, links to the viewer and the file, and the snippets to read it elsewhere.
import type { FileSummary, Provenance } from '@baler/format';
import { formatBytes, formatRatio } from '../format-bytes.ts';
import type { PublishedFile } from './snippets.ts';
import { SITE_URL, snippetsFor } from './snippets.ts';

/** What a carried network does, as the landing page says it. */
const NETWORK_ROLES = {
  decoder: 'decodes the latents',
  'stencil-network': "corrects the field's stencil, run once per value",
  unused: 'no stream uses it',
} as const;

export interface LandingFile extends PublishedFile {
  summary: FileSummary;
  provenance: Provenance;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function describe(summary: FileSummary): string {
  const dtypes = [...new Set(summary.dtypes)].join(', ');
  return summary.kind === 'table'
    ? `table, ${summary.shape[0]!.toLocaleString('en-US')} rows × ${summary.shape[1]} columns (${dtypes})`
    : `field [${summary.shape.join(' × ')}] (${dtypes})`;
}

function fileCard(file: LandingFile, index: number): string {
  const { summary, provenance } = file;
  const href = encodeURIComponent(file.name);
  const snippets = snippetsFor(file);
  const rows: [string, string][] = [
    ['holds', describe(summary)],
    ['error bound', summary.bounds.join('; ')],
    [
      'size',
      `${summary.fileBytes.toLocaleString('en-US')} bytes (${formatBytes(summary.fileBytes)}), every byte decoding needs`,
    ],
    [
      'ratio',
      `${formatRatio(summary.ratioToOriginal)} to the original dtypes (${formatBytes(summary.originalBytes)}), ` +
        `${formatRatio(summary.ratioToFloat32)} to float32 (${formatBytes(summary.float32Bytes)})`,
    ],
    ['written by', provenance.tool],
    ['source', provenance.source ?? 'not recorded'],
    ['configuration hash', provenance.configHash ?? 'not recorded'],
    [
      'network',
      file.onnxName ? `carried: ${file.onnxName} (${NETWORK_ROLES[file.networkRole ?? 'unused']})` : 'none',
    ],
  ];
  if (summary.kind === 'table') rows.splice(1, 0, ['columns', summary.columns.join(', ')]);
  const links = [
    `<a href="viewer.html?file=${href}">Open in the viewer</a>`,
    `<a href="${href}" download>Download ${escapeHtml(file.name)}</a>`,
    ...(file.onnxName
      ? [`<a href="${encodeURIComponent(file.onnxName)}" download>Download ${escapeHtml(file.onnxName)}</a>`]
      : []),
  ];
  const snippet = (title: string, text: string, id: string) =>
    `<details><summary>${title}</summary><pre id="${id}"><code>${escapeHtml(text)}</code></pre></details>`;
  return `<article class="file" aria-labelledby="file-${index}">
  <h2 id="file-${index}">${escapeHtml(file.name)}</h2>
  <p class="row">${links.join(' · ')}</p>
  <dl>${rows.map(([term, value]) => `<dt>${term}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>
  ${snippet('Read it in Node', snippets.node, `node-${index}`)}
  ${snippet('Read it in a web page', snippets.browser, `browser-${index}`)}
  ${snippet(file.onnxName ? 'Run its network from Python' : 'Use it from Python', snippets.python, `python-${index}`)}
</article>`;
}

export function renderLanding(title: string, files: LandingFile[]): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="site.css">
</head>
<body>
  <header>
    <h1>${escapeHtml(title)}</h1>
    <p>${files.length} dataset${files.length === 1 ? '' : 's'} compressed with <a href="https://github.com/baler-collaboration/baler">Baler</a>
      within a verified error bound: every decoded value lies within the bound of the original. Sizes and
      ratios count every byte needed to decode. <a href="viewer.html">Open the viewer</a> to look inside a
      file (only the parts shown are downloaded), or read the files with the snippets below.</p>
  </header>
  <main class="files">
${files.map(fileCard).join('\n')}
  </main>
  <footer><p class="note">A static site written by <code>baler publish</code>: plain files, no server code.
    It works offline once loaded. Serve it from any host that answers HTTP Range requests.</p></footer>
  <script>
    // Snippets name this site's real address once it is served (they carry a placeholder until then).
    if (location.protocol.startsWith('http')) {
      const here = new URL('.', location.href).href;
      for (const code of document.querySelectorAll('pre code'))
        code.textContent = code.textContent.replaceAll(${JSON.stringify(SITE_URL)}, here);
    }
    if ('serviceWorker' in navigator && location.protocol !== 'file:')
      navigator.serviceWorker.register('sw.js').catch(() => {});
  </script>
</body>
</html>
`;
}
