import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { logger } from '../logger';
import { spansIn } from './otlp-json';

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

// Time, then a sequence number within the process, both zero-padded so that names sort in
// the order they were written, after a reload too; the process tag keeps two processes
// sharing a directory from ever writing the same name.
const NAME = /^(\d{15})-(\d{10})-([0-9a-z]+)-(\d+)\.json$/;
const TEMP_SUFFIX = '.tmp';
// The batch of hoptrace/lambda: one file per process, appended to after each invocation, one
// body a line; sealed into a spool entry (renamed) when a drain takes it. A journal left by a
// runtime that died is sealed by the next one.
const JOURNAL = /^journal-([0-9a-z]+)\.ndjson$/;
// A temporary file older than this was left by a process killed mid-write: never renamed, never sent.
const STALE_TEMP_MS = 60_000;
// The pid, then four random characters: a journal names its owner, whose death is checked before its journal is adopted.
const processTag = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 4)
  .toString(36)
  .padStart(4, '0')}`;

/**
 * Whether the process that tagged a journal may still write to it. Another process of the
 * sandbox (a runtime started while the old one exits, a second process sharing /tmp) keeps
 * its journal until it is gone; one of this pid is this process (another copy of hoptrace).
 */
function ownerAlive(tag: string): boolean {
  const pid = Number.parseInt(tag.slice(0, -4), 36);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as { code?: string }).code === 'EPERM';
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Already gone, or never written: nothing to send twice.
  }
}

/** The directory is made on the first write that misses it, not checked on every one. */
function writeAside(temp: string, json: string, dir: string): void {
  try {
    writeFileSync(temp, json);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, json);
  }
}

const spools = new Map<string, Spool>();

/** writeSync may write less than asked (a full disk, a signal): the rest follows, or it throws. */
function writeFully(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}

/**
 * The process's one spool for an endpoint under `root`: every `withTracing`/`tracing()` of a
 * sandbox shares it, so they never write the same name or resend the same body. The first
 * caller's byte limit holds.
 */
export function openSpool(root: string, endpoint: string, maxBytes: number, maxEntryBytes = maxBytes): Spool {
  const dir = join(root, hash(endpoint));
  let spool = spools.get(dir);
  if (!spool) {
    spool = new Spool(dir, maxBytes, maxEntryBytes);
    spools.set(dir, spool);
  }
  return spool;
}

/**
 * Export bodies that could not be delivered, kept as files in /tmp (which lives as long as
 * the sandbox) until a later invocation delivers them. Bounded: past `maxBytes` the oldest
 * are dropped first, and their spans counted. Never throws: a spool that cannot write counts
 * the spans as dropped.
 */
class Spool {
  private entries: Entry[] | undefined;
  private seq = 0;
  private dropped = 0;
  private readonly drains = new Set<Promise<void>>();
  /** Entries a running drain is sending. */
  private readonly held = new Set<string>();
  private journal: { fd: number; bytes: number; spans: number } | undefined;
  private journaled = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    /** A journal is sealed before it passes this (one request's bytes), so an entry leaves in one request. */
    private readonly maxEntryBytes: number,
  ) {}

  /** Whether a drain is under way: a caller that joins it gets its outcome, not a try of its own. */
  get busy(): boolean {
    return this.drains.size > 0;
  }

  /**
   * Seals the journal and runs `send` on the entries no running drain holds, so a body is
   * never sent twice at once. A caller joins the drains under way instead, unless `beside`:
   * one that must have everything out by a deadline (the shutdown's 500 ms) sends what they
   * did not take beside them, rather than a whole round trip behind a slow one.
   */
  drain(send: (entries: readonly Entry[]) => Promise<void>, beside: boolean): Promise<void> {
    const running = [...this.drains];
    if (running.length > 0 && !beside) return Promise.all(running).then(() => undefined);
    this.seal();
    const taken = this.load().filter((entry) => !this.held.has(entry.name));
    if (taken.length === 0) return Promise.all(running).then(() => undefined);
    for (const entry of taken) this.held.add(entry.name);
    const own: Promise<void> = send(taken).finally(() => {
      for (const entry of taken) this.held.delete(entry.name);
      this.drains.delete(own);
    });
    this.drains.add(own);
    return Promise.all([own, ...running]).then(() => undefined);
  }

  /**
   * Spans dropped so far in this sandbox. A running total rather than a count since last
   * asked: the root span that reports it may itself be spooled, and dropped.
   */
  get droppedSpans(): number {
    return this.dropped;
  }

  /** Bytes appended to journals by this process so far. */
  get journaledBytes(): number {
    return this.journaled;
  }

  /** Bodies waiting, oldest first (the journal once sealed). */
  pending(): readonly Entry[] {
    return this.load();
  }

  /** Bytes waiting, the journal's included. */
  pendingBytes(): number {
    return this.load().reduce((n, e) => n + e.bytes, 0) + (this.journal?.bytes ?? 0);
  }

  /**
   * Appends bodies to this process's journal: one write to an open file, far cheaper than a
   * file per body, and as durable against the process dying (the kernel has the bytes).
   */
  append(bodies: Body[]): void {
    for (const body of bodies) {
      const line = `${body.json}\n`;
      const bytes = Buffer.byteLength(line);
      // Checked before making room: a body that can never fit must not empty the spool first.
      if (bytes > this.maxBytes) {
        this.drop(body.spans, 'a request body larger than the whole spool');
        continue;
      }
      this.makeRoom(bytes);
      if (this.journal && this.journal.bytes + bytes > this.maxEntryBytes) this.seal();
      try {
        this.journal ??= { fd: this.openJournal(), bytes: 0, spans: 0 };
        writeFully(this.journal.fd, line);
        this.journal.bytes += bytes;
        this.journal.spans += body.spans;
        this.journaled += bytes;
      } catch (error) {
        this.drop(body.spans, `the spool cannot write to ${this.dir}: ${(error as Error).message}`);
      }
    }
  }

  /** Turns the journal into a spool entry, so that a drain can send it and delete it once acknowledged. */
  seal(): void {
    const journal = this.journal;
    if (!journal) return;
    this.journal = undefined;
    try {
      closeSync(journal.fd);
    } catch {
      // Closed already: the bytes are in the file either way.
    }
    this.adopt(join(this.dir, `journal-${processTag}.ndjson`), journal.bytes, journal.spans);
  }

  save(bodies: Body[]): void {
    const entries = this.load();
    for (const body of bodies) {
      const bytes = Buffer.byteLength(body.json);
      if (bytes > this.maxBytes) {
        this.drop(body.spans, 'a request body larger than the whole spool');
        continue;
      }
      this.makeRoom(bytes);
      const name = this.entryName(body.spans);
      const temp = join(this.dir, `.${name}${TEMP_SUFFIX}`);
      try {
        // Written aside, then renamed (atomic): a kill mid-write leaves no truncated body to send.
        writeAside(temp, body.json, this.dir);
        renameSync(temp, join(this.dir, name));
        entries.push({ name, bytes, spans: body.spans });
      } catch (error) {
        removeQuietly(temp);
        this.drop(body.spans, `the spool cannot write to ${this.dir}: ${(error as Error).message}`);
      }
    }
  }

  /** The bodies of an entry: one, or a sealed journal's lines (a line cut short by a kill is left out). */
  read(name: string): string[] | undefined {
    try {
      return readFileSync(join(this.dir, name), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'));
    } catch {
      this.forget(name);
      return undefined;
    }
  }

  /**
   * Keeps only `jsons` of a journal's entry, the others delivered or refused: written aside,
   * then renamed in its place in the order. Should that fail, the entry stays whole, and what
   * was delivered is sent again: a duplicate rather than a loss.
   */
  keep(name: string, jsons: readonly string[]): void {
    const text = jsons.map((json) => `${json}\n`).join('');
    const spans = jsons.reduce((n, json) => n + spansIn(json), 0);
    const kept = name.replace(/-\d+\.json$/, `-${spans}.json`);
    const temp = join(this.dir, `.${kept}${TEMP_SUFFIX}`);
    try {
      writeAside(temp, text, this.dir);
      renameSync(temp, join(this.dir, kept));
      if (kept !== name) removeQuietly(join(this.dir, name));
      const entry = this.load().find((e) => e.name === name);
      if (entry) Object.assign(entry, { name: kept, bytes: Buffer.byteLength(text), spans });
    } catch {
      removeQuietly(temp);
    }
  }

  /** Drops the oldest entries until `bytes` more fit, counting their spans. */
  private makeRoom(bytes: number): void {
    const entries = this.load();
    let total = this.pendingBytes();
    while (total + bytes > this.maxBytes) {
      if (entries.length === 0) {
        if (!this.journal) return;
        this.seal();
        continue;
      }
      const oldest = entries.shift()!;
      total -= oldest.bytes;
      this.remove(oldest.name);
      this.drop(oldest.spans, 'the spool is full; the oldest spans were dropped');
    }
  }

  private entryName(spans: number): string {
    return `${String(Date.now()).padStart(15, '0')}-${String(this.seq++).padStart(10, '0')}-${processTag}-${spans}.json`;
  }

  private openJournal(): number {
    const path = join(this.dir, `journal-${processTag}.ndjson`);
    try {
      return openSync(path, 'a');
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      mkdirSync(this.dir, { recursive: true });
      return openSync(path, 'a');
    }
  }

  /** Renames a journal into the spool's order of entries. */
  private adopt(path: string, bytes: number, spans: number): void {
    const name = this.entryName(spans);
    try {
      renameSync(path, join(this.dir, name));
      this.load().push({ name, bytes, spans });
    } catch (error) {
      this.drop(spans, `the spool cannot rename in ${this.dir}: ${(error as Error).message}`);
    }
  }

  /** Deletes a body once its delivery is acknowledged, so it is never sent again. */
  remove(name: string): void {
    this.forget(name);
    removeQuietly(join(this.dir, name));
  }

  private forget(name: string): void {
    const entries = this.load();
    const i = entries.findIndex((e) => e.name === name);
    if (i >= 0) entries.splice(i, 1);
  }

  private removeIfStale(name: string): void {
    const path = join(this.dir, name);
    const modifiedMs = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (modifiedMs !== undefined && Date.now() - modifiedMs > STALE_TEMP_MS) removeQuietly(path);
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
      const orphans: string[] = [];
      for (const name of readdirSync(this.dir).sort()) {
        const match = NAME.exec(name);
        if (match) this.entries.push({ name, bytes: statSync(join(this.dir, name)).size, spans: Number(match[4]) });
        else if (name.endsWith(TEMP_SUFFIX)) this.removeIfStale(name);
        else {
          const owner = JOURNAL.exec(name)?.[1];
          if (owner !== undefined && owner !== processTag && !ownerAlive(owner)) orphans.push(name);
        }
      }
      // Journals of runtimes that died: sealed now, sent by the next drain, after what was already waiting.
      for (const name of orphans) {
        const path = join(this.dir, name);
        const text = readFileSync(path, 'utf8');
        this.adopt(
          path,
          Buffer.byteLength(text),
          text.split('\n').reduce((n, line) => n + spansIn(line), 0),
        );
      }
    } catch {
      // No directory yet: nothing waits.
    }
    return this.entries;
  }
}

export type { Spool };
