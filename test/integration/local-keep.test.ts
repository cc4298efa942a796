import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeStreamRecord } from '../../src/otlp/stream-record';
import { kinesisClient, readStream } from '../../testing/kinesis';

// `npm start -- --keep` as a user runs it: the stock OpenTelemetry JS exporters pointed at the
// URL it prints, in each of their four modes; something that is not JSON sent to its demo
// OTLP receiver; then Ctrl-C (SIGINT to its whole process group, as a terminal sends it),
// after which no process it started may be left running. Also Ctrl-C while it starts.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let child: ChildProcess | undefined;
let out = '';

/** Every process under `root` (children, theirs, …), from /proc. */
function descendants(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid …`: comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Ended while being read.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) for (const pid of parents.get(queue.shift()!) ?? []) queue.push(pid), found.push(pid);
  return found;
}

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (child?.exitCode !== null) throw new Error(`npm start ended (${child?.exitCode}) before ${what}:\n${out}`);
    if (Date.now() > end) throw new Error(`no ${what} after ${timeoutMs} ms:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `npm start -- --keep` in a process group of its own, as a terminal's foreground job. */
function start(): ChildProcess {
  out = '';
  // Kept traces go to the demo receiver, whatever this shell says.
  const { HOPTRACE_FORWARD_ENDPOINT: _backend, ...env } = process.env;
  const started = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'local/start.ts', '--keep'], {
    cwd: ROOT,
    env: { ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  started.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return started;
}

/** Ctrl-C, then waits for the pipeline to end; answers which of `processes` outlived it. */
async function interrupt(started: ChildProcess, processes: number[]): Promise<string[]> {
  const ended = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
  process.kill(-started.pid!, 'SIGINT');
  const timer = setTimeout(() => process.kill(-started.pid!, 'SIGKILL'), 60_000);
  await ended;
  clearTimeout(timer);
  // A killed process group's members may take a moment to be reaped.
  const end = Date.now() + 5000;
  while (processes.some(alive) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
  const survivors = processes.filter(alive).map((pid) => `${pid} ${commandLine(pid)}`);
  // An orphan is no longer under the pipeline, where afterEach looks: end it here.
  for (const pid of processes.filter(alive)) process.kill(pid, 'SIGKILL');
  return survivors;
}

afterEach(() => {
  // Whatever a failed test left: the pipeline's group and serverless-offline's.
  if (child?.pid !== undefined)
    for (const pid of [child.pid, ...descendants(child.pid)]) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Not a group leader, or gone.
      }
    }
  child = undefined;
});

function makeSpans(label: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `sender-${label}` }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('local-keep');
  const parent = tracer.startSpan(`${label} parent`);
  parent.end();
  tracer.startSpan(`${label} other`).end();
  return memory.getFinishedSpans() as ReadableSpan[];
}

const exportWith = (exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> =>
  new Promise((resolve) => exporter.export(spans, resolve));

describe('npm start -- --keep', () => {
  it('lands every OTLP encoding through the URL it prints, survives a body its demo receiver cannot read, and leaves no process after Ctrl-C', async () => {
    child = start();
    const ingest = await until('ingest URL', () => /POST (\S+\/v1\/traces) \(the ingest/.exec(out)?.[1], 150_000);
    const [, endpoint, stream] = (await until(
      'Kinesis line',
      () => /Kinesis (\S+), stream (\S+)/.exec(out) ?? undefined,
      5000,
    )) as unknown as [string, string, string];
    const receiver = await until('receiver URL', () => /kept traces to (\S+)/.exec(out)?.[1], 5000);

    const modes: Array<[string, () => SpanExporter]> = [
      ['json', () => new JsonExporter({ url: ingest })],
      ['json-gzip', () => new JsonExporter({ url: ingest, compression: 'gzip' as never })],
      ['protobuf', () => new ProtobufExporter({ url: ingest })],
      ['protobuf-gzip', () => new ProtobufExporter({ url: ingest, compression: 'gzip' as never })],
    ];
    const sent = new Map<string, string>();
    for (const [label, make] of modes) {
      const spans = makeSpans(label);
      const exporter = make();
      const result = await exportWith(exporter, spans);
      await exporter.shutdown();
      expect({ label, code: result.code, error: result.error?.message }).toEqual({
        label,
        code: ExportResultCode.SUCCESS,
        error: undefined,
      });
      for (const s of spans) sent.set(s.spanContext().spanId, s.name);
    }
    const kinesis = kinesisClient(endpoint);
    const landed = new Map<string, string>();
    for (const record of await readStream(kinesis, stream)) {
      for (const rs of decodeStreamRecord(Buffer.from(record.data)).request.resourceSpans)
        for (const ss of rs.scopeSpans) for (const s of ss.spans) landed.set(s.spanId, s.name);
    }
    kinesis.destroy();
    expect([...sent].filter(([id, name]) => landed.get(id) !== name)).toEqual([]);

    // The demo OTLP receiver (the tail sampler's forward target) refuses what it cannot read, and stays up.
    const protobuf = await fetch(receiver, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0x02, 0x08, 0x01]),
    });
    expect(protobuf.status).toBe(415);
    const broken = await fetch(receiver, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"resourceSpans": ['),
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 3, message: expect.stringMatching(/not JSON/) });
    const fine = await fetch(receiver, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect(fine.status).toBe(200);
    expect(child.exitCode).toBeNull();

    const processes = descendants(child.pid!);
    expect(processes.map(commandLine).some((c) => c.includes('serverless') && c.includes('offline'))).toBe(true);
    expect(await interrupt(child, processes)).toEqual([]);
    expect(out).toMatch(/done in [\d.]+ s/);
  }, 240_000);

  it('leaves no process after Ctrl-C while it starts', async () => {
    child = start();
    // serverless-offline spawned, not yet ready.
    const offline = await until(
      'serverless offline process',
      () => descendants(child!.pid!).find((pid) => commandLine(pid).includes('offline start')),
      150_000,
    );
    expect(out).not.toContain('serverless-offline on');
    const processes = [offline, ...descendants(child.pid!)];
    expect(await interrupt(child, processes)).toEqual([]);
  }, 240_000);
});
