// The copy-paste snippets of the landing page: read a published file with @baler/decoder in Node and in a
// browser, and run its carried decoder network from Python, saying plainly what that does and does not give.
import type { DecoderInfo } from '@baler/format';

/** Stands for the site's address; the landing page puts its real address in when served over HTTP. */
export const SITE_URL = 'https://your.host/site/';

export interface PublishedFile {
  /** File name on the site, e.g. `lhcb.baler`. */
  name: string;
  kind: 'table' | 'field';
  shape: number[];
  columns: string[];
  /** Name of the carried network written beside the file, or null when it carries none. */
  onnxName: string | null;
  /** The carried network's input and output widths. */
  network: { inputs: number; outputs: number } | null;
  /** What the carried network does: decode latents, correct a field's stencil, or nothing any stream uses. */
  networkRole: 'decoder' | 'stencil-network' | 'unused' | null;
  decoder: DecoderInfo | null;
  /** End of the first chunk along axis 0: the rows the viewer loads first. */
  firstChunkEnd: number;
}

export interface Snippets {
  node: string;
  browser: string;
  python: string;
}

const stem = (name: string) => name.replace(/\.baler$/, '');

function readLines(file: PublishedFile, indent: string): string[] {
  if (file.kind === 'table') {
    const end = Math.min(100, file.shape[0]!);
    return [
      `const rows = await reader.read({ start: 0, end: ${end} }); // fetches only the chunks holding them`,
      `for (const column of rows.columns) console.log(column.name, column.data[0]);`,
    ].map((line) => indent + line);
  }
  return [
    `const frame = await reader.read({ start: 0, end: 1 }); // index 0 of axis 0: only its chunks`,
    `console.log(frame.shape, frame.data[0]);`,
  ].map((line) => indent + line);
}

export function snippetsFor(file: PublishedFile): Snippets {
  const url = `${SITE_URL}${encodeURIComponent(file.name)}`;
  const node = [
    `// Node ≥ 20, nothing to install: this site serves the decoder as one ES module.`,
    `//   curl -O ${SITE_URL}baler-decoder.js`,
    `// (In a project: npm install @baler/decoder, then import from '@baler/decoder'.)`,
    `import { openUrl } from './baler-decoder.js';`,
    ``,
    `const reader = await openUrl('${url}');`,
    `console.log(reader.info.shape, reader.info.bounds, reader.info.ratioToFloat32);`,
    ...readLines(file, ''),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JavaScript for the reader to paste, not run here
    'console.log(`${reader.source.bytesFetched} of ${reader.info.fileBytes} bytes fetched`);',
    `// A local copy: import { openFile } from '@baler/decoder/node'; await openFile('${file.name}')`,
  ].join('\n');
  const browser = [
    `<script type="module">`,
    `  // From a page on another origin the host must allow CORS; or copy both files next to your page.`,
    `  import { openUrl } from '${SITE_URL}baler-decoder.js';`,
    `  const reader = await openUrl('${url}');`,
    ...readLines(file, '  '),
    `</script>`,
  ].join('\n');
  const runnable = file.network && (file.networkRole === 'decoder' || file.networkRole === 'stencil-network');
  const values = file.onnxName && runnable ? pythonWithNetwork(file) : pythonWithoutDecoder(file);
  return { node, browser, python: `${pythonMetadata(file)}\n\n${values}` };
}

/**
 * Python with only its standard library: the file's metadata (shape, columns, bounds, provenance) from the
 * footer, the section table and the metadata section (SPEC.md §3-§5, as in the §12 sketch).
 */
export function pythonMetadata(file: PublishedFile): string {
  return [
    `# Python's standard library reads the file's description (SPEC.md §3-§5, §12):`,
    `import json, struct, zlib`,
    `b = open("${file.name}", "rb").read()   # download ${SITE_URL}${file.name} first`,
    `table, count = struct.unpack_from("<QI", b, len(b) - 32)`,
    `for i in range(count):`,
    `    kind, codec, _, _, _, offset, stored, _ = struct.unpack_from("<HHIIIQQQ", b, table + 40 * i)`,
    `    if kind == 1:  # the metadata section: UTF-8 JSON, raw or deflated`,
    `        raw = b[offset:offset + stored]`,
    `        meta = json.loads(raw if codec == 0 else zlib.decompress(raw, -15))`,
    file.kind === 'table'
      ? `print(meta["shape"], meta["provenance"], [(c["name"], c["bound"]) for c in meta["columns"]][:3])`
      : `print(meta["shape"], meta["dtype"], meta["bound"], meta["provenance"])`,
  ].join('\n');
}

function pythonNpyLines(file: PublishedFile): string[] {
  return file.kind === 'table'
    ? [
        `rows = np.load("${stem(file.name)}-rows-0-${file.firstChunkEnd}.npy")   # a structured array: one field per column`,
        `print(rows.dtype.names, rows[${JSON.stringify(file.columns[0] ?? '')}][:5].tolist())`,
      ]
    : [
        `block = np.load("${stem(file.name)}-frames-0-1.npy")  # shape [frames, ${file.shape.slice(1).join(', ')}]`,
        `print(block.shape, block.min(), block.max())`,
      ];
}

function pythonWithNetwork(file: PublishedFile): string {
  const { inputs, outputs } = file.network!;
  const what =
    file.networkRole === 'decoder'
      ? [
          'the decoder network',
          'any latent vectors; here the origin',
          'its predictions from the stored latents',
        ]
      : [
          "the network correcting the field's stencil (SPEC.md §7.2.1)",
          'scaled decoded neighbours; here zeros',
          'the stencil plus this correction, run once per value on values just decoded,',
        ];
  return [
    `# The carried network: pip install onnxruntime numpy, and download ${SITE_URL}${file.onnxName}`,
    `# (${what[0]} this file carries: its \`model\` section, byte for byte).`,
    `import numpy as np, onnxruntime as ort`,
    `session = ort.InferenceSession("${file.onnxName}")`,
    `name = session.get_inputs()[0].name                     # input [batch, ${inputs}], output [batch, ${outputs}]`,
    `z = np.zeros((4, ${inputs}), np.float32)                      # ${what[1]}`,
    `(prediction,) = session.run(None, {name: z})`,
    `print(prediction.shape)`,
    ``,
    `# This runs the network alone. The file's values are ${what[2]} plus`,
    `# entropy-coded residuals (SPEC.md §7.2-7.3, §10), which no Python reader implements yet, and`,
    `# onnxruntime sums in another order (~1e-6 relative, SPEC.md §11.3). For the values themselves, take`,
    `# a .npy from the viewer's download buttons or run \`baler decompress ${file.name} -o ${stem(file.name)}.npy\`:`,
    ...pythonNpyLines(file),
  ].join('\n');
}

function pythonWithoutDecoder(file: PublishedFile): string {
  return [
    `# The values: this file carries no decoder network (so no decoder.onnx). Its lossy columns are`,
    `# entropy-coded residuals (SPEC.md §7.2, §10) that no Python reader implements yet; columns stored`,
    `# exactly are plain bytes (the §12 sketch). Take a .npy from the viewer's download buttons, or run`,
    `# \`baler decompress ${file.name} -o ${stem(file.name)}.npy\`, then:`,
    `import numpy as np`,
    ...pythonNpyLines(file),
  ].join('\n');
}
