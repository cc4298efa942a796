import type { ReadCounts } from './read/span-store';

const QUIET_MS = 3000;
const EVERY_MS = 250;

/**
 * A progress line on stderr, only on a terminal and only once a read has taken a few
 * seconds: short reads and pipes stay clean.
 */
export class Progress {
  private readonly started: number;
  private last = 0;
  private shown = false;

  constructor(
    private readonly stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'> = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  update(counts: ReadCounts, traces: number): void {
    if (!this.stream.isTTY) return;
    const now = this.now();
    if (now - this.started < QUIET_MS || now - this.last < EVERY_MS) return;
    this.last = now;
    this.shown = true;
    const seconds = ((now - this.started) / 1000).toFixed(0);
    this.stream.write(
      `\r\x1b[2Kreading: ${counts.records.toLocaleString('en')} records, ${counts.spans.toLocaleString('en')} spans, ${traces.toLocaleString('en')} traces (${seconds} s)`,
    );
  }

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
  }
}
