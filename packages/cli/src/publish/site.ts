// Writes a `baler publish` site: the .baler files, their carried decoder networks as .onnx, the landing
// page and the viewer, into a temporary folder renamed into place at the end, so that a failed publish
// leaves no half-written site and an existing site is replaced only whole.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BalerMetadata } from '@baler/format';
import {
  findSections,
  OPTIONAL_KIND_BASE,
  openBaler,
  parseDenseOnnx,
  readSection,
  SECTION_KIND,
  summarizeFile,
} from '@baler/format';
import { OutputExistsError, openFileSource } from '@baler/format/node';
import { createProgress } from '../progress.ts';
import { UsageError } from '../usage.ts';
import type { ViewerAssets } from './assets.ts';
import { writeViewerAssets } from './assets.ts';
import type { LandingFile } from './landing.ts';
import { renderLanding } from './landing.ts';

export interface PublishOptions {
  title?: string;
  /** Replace an existing site (a folder holding a viewer.html) or fill an existing empty folder. */
  force?: boolean;
  quiet?: boolean;
}

export interface PublishedSite {
  dir: string;
  files: LandingFile[];
  assets: ViewerAssets;
  /** Bytes of every file in the site. */
  totalBytes: number;
}

interface Input {
  path: string;
  file: LandingFile;
  onnx: Uint8Array | null;
}

async function describeInput(path: string): Promise<Input> {
  const source = await openFileSource(path);
  try {
    const file = await openBaler(source);
    // Every needed section's checksum (and codec) before the file goes online: opening checks only the
    // section table and the metadata, and a damaged chunk would otherwise surface in a reader's page.
    // Optional sections (SPEC.md §4.1) are skipped, as readers may skip them.
    for (const entry of file.sections) if (entry.kind < OPTIONAL_KIND_BASE) await readSection(file, entry);
    const name = basename(path);
    const model = findSections(file, SECTION_KIND.model)[0];
    const onnx = model ? await readSection(file, model) : null;
    const role = file.metadata.decoder
      ? 'decoder'
      : usesStencilNetwork(file.metadata)
        ? 'stencil-network'
        : 'unused';
    return {
      path,
      onnx,
      file: {
        name,
        kind: file.metadata.kind,
        shape: [...file.metadata.shape],
        columns: file.metadata.kind === 'table' ? file.metadata.columns.map((c) => c.name) : [],
        onnxName: onnx
          ? `${name.replace(/\.baler$/, '')}.${role === 'unused' ? 'network' : role}.onnx`
          : null,
        network: onnx ? networkWidths(onnx) : null,
        networkRole: onnx ? role : null,
        decoder: file.metadata.decoder ?? null,
        firstChunkEnd: file.grid.boundaries[0]?.[1] ?? file.metadata.shape[0]!,
        summary: summarizeFile(file),
        provenance: file.metadata.provenance,
      },
    };
  } finally {
    await source.close();
  }
}

/** The files a site holds besides the published ones and their networks. */
const SITE_FILES = ['index.html', 'viewer.html', 'viewer.js', 'sw.js', 'site.css', 'baler-decoder.js'];

/**
 * The input and output widths of a carried network (its ONNX bytes, SPEC.md §11.2), or null when they
 * do not parse: readers only parse a network a stream needs, and publishing must not be stricter.
 */
function networkWidths(onnx: Uint8Array): { inputs: number; outputs: number } | null {
  try {
    const { layers } = parseDenseOnnx(onnx);
    return { inputs: layers[0]!.inputs, outputs: layers[layers.length - 1]!.outputs };
  } catch {
    return null;
  }
}

/** Whether a stream of the file predicts with `stencil-network` (SPEC.md §7.2.1). */
function usesStencilNetwork(metadata: BalerMetadata): boolean {
  const methods = metadata.kind === 'table' ? metadata.columns.map((c) => c.method) : [metadata.method];
  return methods.some((m) => (m as { predictor?: { name?: string } }).predictor?.name === 'stencil-network');
}

/** Refuses an existing output unless --force, and even then anything but an empty folder or a site. */
async function checkOutput(dir: string, force: boolean): Promise<'absent' | 'empty' | 'site'> {
  const existing = await stat(dir).catch(() => null);
  if (!existing) return 'absent';
  if (!existing.isDirectory()) throw new UsageError(`${dir} exists and is not a folder; choose another -o.`);
  const entries = await readdir(dir);
  if (entries.length === 0) return 'empty';
  if (!force) throw new OutputExistsError(dir);
  if (!entries.includes('viewer.html') || !entries.includes('index.html'))
    throw new UsageError(
      `${dir} holds files that are not a baler site; --force replaces only a site written by baler publish. Choose an empty or new folder.`,
    );
  return 'site';
}

export async function publishSite(
  paths: string[],
  outDir: string,
  options: PublishOptions = {},
): Promise<PublishedSite> {
  if (paths.length === 0) throw new UsageError('give at least one .baler file to publish.');
  const dir = resolve(outDir);
  const output = await checkOutput(dir, options.force ?? false);
  const inputs = [];
  for (const path of paths) inputs.push(await describeInput(path));
  // Every file the site will hold, by name: the site's own, then each input and its network.
  const names = new Map<string, string>(SITE_FILES.map((name) => [name, 'the site itself']));
  for (const { path, file } of inputs) {
    if (!/^[\w.-]+$/.test(file.name))
      throw new UsageError(
        `${path}: a published file name uses only letters, digits, '.', '-' and '_' (so that its URL is plain); rename it.`,
      );
    for (const name of [file.name, ...(file.onnxName ? [file.onnxName] : [])]) {
      const other = names.get(name);
      if (other)
        throw new UsageError(
          `${path} would write ${name}, which ${other} writes too; rename one of them to publish both.`,
        );
      names.set(name, path);
    }
  }

  const staging = join(dirname(dir), `.${basename(dir)}.${randomBytes(6).toString('hex')}.tmp`);
  await mkdir(staging, { recursive: true });
  const progress = createProgress('publish', inputs.length + 1, { quiet: options.quiet });
  try {
    let totalBytes = 0;
    for (const [i, { path, file, onnx }] of inputs.entries()) {
      await copyFile(path, join(staging, file.name));
      totalBytes += file.summary.fileBytes;
      if (onnx && file.onnxName) {
        await writeFile(join(staging, file.onnxName), onnx);
        totalBytes += onnx.length;
      }
      progress.update(i + 1, file.name);
    }
    const files = inputs.map((input) => input.file);
    const landing = renderLanding(options.title ?? 'Datasets compressed with Baler', files);
    await writeFile(join(staging, 'index.html'), landing);
    const assets = await writeViewerAssets(staging, landing);
    totalBytes += Buffer.byteLength(landing) + Object.values(assets.files).reduce((n, b) => n + b, 0);
    progress.update(inputs.length + 1);
    if (output === 'absent') await rename(staging, dir);
    else {
      // Swap whole folders: the old site stays intact until the new one is complete.
      const old = `${staging}.old`;
      await rename(dir, old);
      await rename(staging, dir);
      await rm(old, { recursive: true, force: true });
    }
    return { dir, files, assets, totalBytes };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  } finally {
    progress.finish();
  }
}
