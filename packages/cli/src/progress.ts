// A progress bar on stderr for work longer than a second. Silent when stderr is not a terminal or when
// the user asked for --quiet, so that scripts and logs never see control characters.

export interface Progress {
  update(done: number, note?: string): void;
  finish(): void;
}

const SILENT: Progress = { update() {}, finish() {} };

export function createProgress(label: string, total: number, options: { quiet?: boolean } = {}): Progress {
  const stream = process.stderr;
  if (options.quiet || !stream.isTTY || total <= 0) return SILENT;
  const started = performance.now();
  let lastDraw = 0;
  let shown = false;
  const draw = (done: number, note = '') => {
    const elapsed = (performance.now() - started) / 1000;
    const fraction = Math.min(1, done / total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const eta = fraction > 0 ? elapsed / fraction - elapsed : Number.NaN;
    const etaText = Number.isFinite(eta) ? ` ETA ${formatSeconds(eta)}` : '';
    stream.write(
      `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%${etaText} ${note}\u001b[K`,
    );
    shown = true;
  };
  return {
    update(done, note) {
      const now = performance.now();
      // Only appear after a second, and redraw at most ten times a second.
      if (now - started < 1000 || now - lastDraw < 100) return;
      lastDraw = now;
      draw(done, note);
    },
    finish() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60)
    .toString()
    .padStart(2, '0')}s`;
}
