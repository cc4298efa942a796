import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logger } from '../logger';

/** An encoded export request body and the spans it holds. */
export interface Body {
  json: string;
  spans: number;
}

interface Entry {
  name: string;
  bytes: number;
  spans: number;
}

/** FNV-1a: a stable, dependency-free name for an endpoint's spool directory. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const NAME = /^(\d{15})-(\d+)-(\d+)\.json$/;

/**
 * Export bodies that could not be delivered, kept as files in /tmp (which lives as long as
 * the sandbox) until a later invocation delivers them. Bounded: past `maxBytes` the oldest
 * are dropped first, and their spans counted. Never throws: a spool that cannot write counts
 * the spans as dropped.
 */
export class Spool {
  private readonly dir: string;
  private entries: Entry[] | undefined;
  private seq = 0;
  private dropped = 0;

  constructor(root: string, endpoint: string, private readonly maxBytes: number) {
    this.dir = join(root, hash(endpoint));
  }

  /**
   * Spans dropped so far in this sandbox. A running total rather than a count since last
   * asked: the root span that reports it may itself be spooled, and dropped.
   */
  get droppedSpans(): number {
    return this.dropped;
  }

  /** Bodies waiting, oldest first. */
  pending(): readonly Entry[] {
    return this.load();
  }

  save(bodies: Body[]): void {
    const entries = this.load();
    for (const body of bodies) {
      const bytes = Buffer.byteLength(body.json);
      if (bytes > this.maxBytes) {
        this.drop(body.spans, 'a request body larger than the whole spool');
        continue;
      }
      let total = entries.reduce((n, e) => n + e.bytes, 0);
      while (entries.length > 0 && total + bytes > this.maxBytes) {
        const oldest = entries.shift()!;
        total -= oldest.bytes;
        this.remove(oldest.name);
        this.drop(oldest.spans, 'the spool is full; the oldest spans were dropped');
      }
      const name = `${String(Date.now()).padStart(15, '0')}-${this.seq++}-${body.spans}.json`;
      try {
        mkdirSync(this.dir, { recursive: true });
        writeFileSync(join(this.dir, name), body.json);
        entries.push({ name, bytes, spans: body.spans });
      } catch (error) {
        this.drop(body.spans, `the spool cannot write to ${this.dir}: ${(error as Error).message}`);
      }
    }
  }

  read(name: string): string | undefined {
    try {
      return readFileSync(join(this.dir, name), 'utf8');
    } catch {
      this.forget(name);
      return undefined;
    }
  }

  /** Deletes a body once its delivery is acknowledged, so it is never sent again. */
  remove(name: string): void {
    this.forget(name);
    try {
      rmSync(join(this.dir, name), { force: true });
    } catch {
      // Already gone: nothing to send twice.
    }
  }

  private forget(name: string): void {
    const entries = this.load();
    const i = entries.findIndex((e) => e.name === name);
    if (i >= 0) entries.splice(i, 1);
  }

  private drop(spans: number, reason: string): void {
    this.dropped += spans;
    logger.warn('spool-drop', `${spans} span(s) dropped: ${reason}.`);
  }

  /** Reads the directory once per sandbox: bodies a previous invocation left are picked up. */
  private load(): Entry[] {
    if (this.entries) return this.entries;
    this.entries = [];
    try {
      for (const name of readdirSync(this.dir).sort()) {
        const match = NAME.exec(name);
        if (match) this.entries.push({ name, bytes: statSync(join(this.dir, name)).size, spans: Number(match[3]) });
      }
    } catch {
      // No directory yet: nothing waits.
    }
    return this.entries;
  }
}
