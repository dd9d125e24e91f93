// `baler publish FILE.baler... -o SITE/`: a static site for the files, a landing page listing them, a
// viewer that reads them over HTTP range requests, and snippets for reading them elsewhere.
import { formatBytes } from '../format-bytes.ts';
import { publishSite } from '../publish/site.ts';
import { parseCommand, UsageError } from '../usage.ts';

export const publishUsage = 'baler publish FILE.baler... -o SITE/ [--title TEXT] [--force]';

export const publishHelp = `${publishUsage}

Writes a static site that anyone can open: no server code, no install, just files for any static host
that answers HTTP Range requests (GitHub Pages, S3, nginx, \`npx http-server\`; not python -m http.server,
which ignores Range, so the viewer downloads whole files there).

The site holds:
  index.html          each file's shape, columns, error bound, honest size and ratio, provenance, and
                      snippets to read it with @baler/decoder in Node and in a browser, and from Python
  viewer.html         opens a .baler by URL or dropped file: its summary, column histograms with the error
                      bound, frames of fields with a colour bar, downloads of rows or frames as CSV or .npy;
                      fetches only the chunks it shows, and works offline once loaded (service worker)
  FILE.baler          the files themselves, and FILE.decoder.onnx (or FILE.stencil-network.onnx) for
                      each that carries a network
  baler-decoder.js    the decoder as one ES module, for the snippets

Options:
  -o, --output SITE  the folder to write (created; it must not exist, or be empty)
      --title TEXT   the landing page's title (default: "Datasets compressed with Baler")
      --force        replace a site that baler publish wrote before
  -q, --quiet        no progress bar
  -h, --help         show this help`;

export async function publishCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(
    'publish',
    args,
    {
      output: { type: 'string', short: 'o' },
      title: { type: 'string' },
      force: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
    publishUsage,
  );
  if (values.help) return void console.log(publishHelp);
  if (positionals.length === 0) throw new UsageError(`missing FILE.baler.\n\nUsage: ${publishUsage}`);
  if (typeof values.output !== 'string')
    throw new UsageError(`missing -o SITE/, the folder to write the site to.\n\nUsage: ${publishUsage}`);
  const site = await publishSite(positionals, values.output, {
    title: values.title as string | undefined,
    force: values.force === true,
    quiet: values.quiet === true,
  });
  const carried = site.files.filter((f) => f.onnxName).length;
  console.log(
    [
      `wrote ${site.dir}/: ${site.files.length} file${site.files.length === 1 ? '' : 's'}` +
        `${carried ? ` (${carried} with its network as .onnx)` : ''}, landing page and viewer, ${formatBytes(site.totalBytes)} in all`,
      `viewer: ${formatBytes(site.assets.viewerGzipBytes)} gzip to download (viewer.js ${formatBytes(site.assets.files['viewer.js']!)}, decoder included)`,
      `serve it from any static host with Range support, e.g. npx http-server ${values.output}`,
    ].join('\n'),
  );
}
