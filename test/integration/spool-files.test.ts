import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withTracing } from '../../src/index';
import { lambdaContext } from '../helpers/lambda';
import { OtlpReceiver } from '../../testing/otlp-receiver';

// The spool's files: names that never collide, an order that survives a reload, no
// truncated body after a kill.

const ENDPOINT = 'http://127.0.0.1:4318/v1/traces';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-spool-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

/** Every file under the spool root, with its path relative to it. */
const files = (): string[] => {
  try {
    return readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => statSync(join(dir, f), { throwIfNoEntry: false })?.isFile());
  } catch {
    return [];
  }
};

/** The spool module as a new process would load it: its registry of spools is empty. */
async function freshSpoolModule(): Promise<typeof import('../../src/exporter/spool')> {
  vi.resetModules();
  return import('../../src/exporter/spool');
}

describe('spool file names', () => {
  it('never collide when two wrapped handlers of a process spool in the same millisecond', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      receiver.always({ kind: 'status', status: 503 });
      const now = Date.now();
      vi.spyOn(Date, 'now').mockReturnValue(now);
      const made: string[] = [];
      const wrap = () =>
        withTracing(
          async () => {
            made.push(trace.getActiveSpan()!.spanContext().spanId);
            return 'ok';
          },
          { endpoint: receiver.url, flushTimeoutMs: 300, spool: { dir, maxBytes: 1024 * 1024 } },
        );
      const first = wrap();
      const second = wrap();
      await first({}, lambdaContext());
      await second({}, lambdaContext());
      expect(files().filter((f) => f.endsWith('.json'))).toHaveLength(2);

      receiver.always({ kind: 'ok' });
      await first({}, lambdaContext());
      const delivered = receiver
        .spans()
        .filter((s) => s.name !== 'init')
        .map((s) => s.spanId);
      expect(new Set(delivered)).toEqual(new Set(made));
    } finally {
      await receiver.close();
    }
  });

  it('sort in the order they were written, after a reload too', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
    const { openSpool } = await freshSpoolModule();
    const bodies = Array.from({ length: 12 }, (_, i) => ({ json: `{"n":${i}}`, spans: 1 }));
    openSpool(dir, ENDPOINT, 1024 * 1024).save(bodies);

    const reloaded = (await freshSpoolModule()).openSpool(dir, ENDPOINT, 1024 * 1024);
    const order = reloaded.pending().flatMap((e) => reloaded.read(e.name) ?? []);
    expect(order).toEqual(bodies.map((b) => b.json));
  });
});

describe("hoptrace/lambda's journal", () => {
  it('is appended to, and sealed into an entry by a drain', async () => {
    const { openSpool } = await freshSpoolModule();
    const spool = openSpool(dir, ENDPOINT, 1024 * 1024);
    spool.save([{ json: '{"older":true}', spans: 1 }]);
    spool.append([
      { json: '{"resourceSpans":[1]}', spans: 2 },
      { json: '{"resourceSpans":[2]}', spans: 3 },
    ]);
    expect(files().filter((f) => f.includes('journal-'))).toHaveLength(1);
    expect(spool.pendingBytes()).toBeGreaterThan(0);
    spool.seal();
    expect(files().filter((f) => f.includes('journal-'))).toHaveLength(0);
    expect(spool.pending().map((e) => e.spans)).toEqual([1, 5]);
    expect(spool.pending().flatMap((e) => spool.read(e.name) ?? [])).toEqual([
      '{"older":true}',
      '{"resourceSpans":[1]}',
      '{"resourceSpans":[2]}',
    ]);
  });

  it('is adopted by another process only once its owner is dead, and then sealed after what waited', async () => {
    const older = (await freshSpoolModule()).openSpool(dir, ENDPOINT, 1024 * 1024);
    older.save([{ json: '{"older":true}', spans: 1 }]);
    const span =
      '{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"spans":[{"spanId":"01"},{"spanId":"02"}]}]}]}';
    const owner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(new URL('../fixtures/spool/write-journal.ts', import.meta.url)),
        dir,
        span,
        '{"resourceSpans":[]}',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => owner.on('exit', resolve));
    await new Promise((resolve) => owner.stdout!.once('data', resolve));
    // The owner lives: another runtime of the sandbox leaves its journal alone.
    const meanwhile = (await freshSpoolModule()).openSpool(dir, ENDPOINT, 1024 * 1024);
    expect(meanwhile.pending().map((e) => e.spans)).toEqual([1]);
    expect(files().filter((f) => f.includes('journal-'))).toHaveLength(1);
    owner.stdin!.end();
    await exited;
    const next = (await freshSpoolModule()).openSpool(dir, ENDPOINT, 1024 * 1024);
    // Its spans counted from the bodies themselves.
    expect(next.pending().map((e) => e.spans)).toEqual([1, 2]);
    expect(next.pending().flatMap((e) => next.read(e.name) ?? [])).toEqual([
      '{"older":true}',
      span,
      '{"resourceSpans":[]}',
    ]);
    expect(files().filter((f) => f.includes('journal-'))).toHaveLength(0);
    next.append([{ json: '{"resourceSpans":[3]}', spans: 1 }]);
    next.seal();
    expect(next.pending()).toHaveLength(3);
    expect(next.read(next.pending()[2]!.name)).toEqual(['{"resourceSpans":[3]}']);
  }, 30_000);

  it('keeps within the byte limit, dropping the oldest and counting their spans', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { openSpool } = await freshSpoolModule();
    const spool = openSpool(dir, ENDPOINT, 100);
    for (let i = 0; i < 10; i++) spool.append([{ json: `{"resourceSpans":["${'x'.repeat(20)}"]}`, spans: 1 }]);
    expect(spool.pendingBytes()).toBeLessThanOrEqual(100);
    expect(spool.droppedSpans).toBeGreaterThan(0);
    expect(spool.droppedSpans + Math.round(spool.pendingBytes() / 45)).toBeGreaterThanOrEqual(9);
  });

  it('drops a body larger than the whole spool without emptying the spool first', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { openSpool } = await freshSpoolModule();
    const spool = openSpool(dir, ENDPOINT, 100);
    spool.append([{ json: '{"resourceSpans":[1]}', spans: 1 }]);
    spool.append([{ json: `{"resourceSpans":["${'x'.repeat(200)}"]}`, spans: 3 }]);
    spool.seal();
    expect(spool.pending().flatMap((e) => spool.read(e.name) ?? [])).toEqual(['{"resourceSpans":[1]}']);
    expect(spool.droppedSpans).toBe(3);
  });

  it("seals the journal before it passes one request's bytes, so each entry leaves in one request", async () => {
    const { openSpool } = await freshSpoolModule();
    const body = `{"resourceSpans":["${'x'.repeat(40)}"]}`;
    const spool = openSpool(dir, ENDPOINT, 1024 * 1024, 3 * (body.length + 1));
    for (let i = 0; i < 10; i++) spool.append([{ json: body, spans: 1 }]);
    spool.seal();
    const entries = spool.pending();
    expect(entries.map((e) => spool.read(e.name)!.length)).toEqual([3, 3, 3, 1]);
    expect(entries.every((e) => e.bytes <= 3 * (body.length + 1))).toBe(true);
    expect(spool.droppedSpans).toBe(0);
  });
});

describe('a kill mid-write', () => {
  const writer = fileURLToPath(new URL('../fixtures/spool/write-body.ts', import.meta.url));
  const MEGABYTES = 64;

  /** Starts a process spooling a large body, and SIGKILLs it once part of the body is on disk. */
  async function killMidWrite(): Promise<boolean> {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(MEGABYTES)], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let partial = false;
    while (child.exitCode === null && !partial) {
      partial = files().some((f) => {
        const size = statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0;
        return size > 0 && size < MEGABYTES * 1024 * 1024;
      });
      if (partial) child.kill('SIGKILL');
      else await new Promise((resolve) => setImmediate(resolve));
    }
    await exited;
    return partial;
  }

  it('leaves no truncated body for a later invocation to send', async () => {
    // The kill must land while the body is being written; a rare miss is run again.
    let landed = false;
    for (let i = 0; i < 5 && !landed; i++) {
      rmSync(dir, { recursive: true, force: true });
      landed = await killMidWrite();
    }
    expect(landed).toBe(true);
    const spool = (await freshSpoolModule()).openSpool(dir, ENDPOINT, 1024 * 1024 * 1024);
    for (const entry of spool.pending())
      for (const json of spool.read(entry.name)!) expect(() => JSON.parse(json)).not.toThrow();
    expect(spool.pending()).toHaveLength(0);
  }, 60_000);

  it('removes what a killed write left once it is stale, and keeps a write that may be under way', async () => {
    expect(await killMidWrite()).toBe(true);
    const leftover = files();
    expect(leftover).toHaveLength(1);
    (await freshSpoolModule()).openSpool(dir, ENDPOINT, 1024).pending();
    expect(files()).toEqual(leftover);

    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    (await freshSpoolModule()).openSpool(dir, ENDPOINT, 1024).pending();
    expect(files()).toEqual([]);
  }, 60_000);
});
