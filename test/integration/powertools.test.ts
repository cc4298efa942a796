import dgram from 'node:dgram';
import { readFileSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build, transform } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaRuntimeApi } from '../../testing/lambda-runtime-api';
import { deployment, startSandbox } from '../../testing/lambda-sandbox';
import { attr, OtlpReceiver, type OtlpSpan } from '../../testing/otlp-receiver';

// Handlers written after Powertools Tracer's documented examples run under the real runtime
// interface client twice: as written, on @aws-lambda-powertools/tracer 2.36 and the X-Ray SDK
// (its segments caught as the X-Ray daemon would, on loopback UDP), and with only the import
// changed to hoptrace/powertools (its spans caught by an OTLP receiver). Both traces must tell
// the same story: the same spans under the handler, annotations, metadata and errors.

const ROOT = join(import.meta.dirname, '../..');
const X_RAY_TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

/** What both traces are reduced to: a node per span or subsegment. */
interface Node {
  name: string;
  annotations: Record<string, unknown>;
  metadata: Record<string, Record<string, unknown>>;
  error: string | undefined;
  children: Node[];
}

type Variant = 'powertools' | 'hoptrace';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The fixture as written, or with only its import changed; compiled as Powertools documents
 * (legacy decorators). `wrap`: its handler also wrapped in withTracing, as docs/library/powertools.md
 * says a handler with neither the decorator nor the middleware must be.
 */
async function handlerModule(fixture: string, variant: Variant, wrap = false): Promise<string> {
  const source = readFileSync(join(ROOT, 'test/fixtures/powertools', `${fixture}.ts`), 'utf8');
  let code =
    variant === 'hoptrace'
      ? source.replaceAll("from '@aws-lambda-powertools/tracer", "from 'hoptrace/powertools")
      : source;
  expect(code === source).toBe(variant === 'powertools');
  if (wrap) {
    expect(variant).toBe('hoptrace');
    code = `import { withTracing } from 'hoptrace';\n${code.replace('export const handler =', 'const unwrapped =')}\nexport const handler = withTracing(unwrapped);\n`;
  }
  const out = await transform(code, {
    loader: 'ts',
    format: 'esm',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
  });
  return out.code;
}

/** A DynamoDB endpoint that answers every GetItem with no item. */
async function dynamodb(): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The X-Ray daemon's side: every segment document sent to it. */
async function xrayDaemon(): Promise<{ address: string; documents: Array<Record<string, unknown>> }> {
  const socket = dgram.createSocket('udp4');
  const documents: Array<Record<string, unknown>> = [];
  socket.on('message', (message) => {
    const text = message.toString('utf8');
    documents.push(JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanups.push(() => socket.close());
  return { address: `127.0.0.1:${socket.address().port}`, documents };
}

async function run(
  fixture: string,
  variant: Variant,
  events: unknown[],
  env: Record<string, string> = {},
  wrap = false,
) {
  const task = await deployment({ 'index.mjs': await handlerModule(fixture, variant, wrap) });
  cleanups.push(task.remove);
  const modules = join(task.root, 'node_modules');
  for (const dependency of ['@aws-lambda-powertools', '@aws-sdk'])
    symlinkSync(join(ROOT, 'node_modules', dependency), join(modules, dependency));
  // hoptrace/powertools as the package ships it: importing hoptrace, never a copy.
  await build({
    entryPoints: [join(ROOT, 'src/powertools/index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['@opentelemetry/api', 'hoptrace'],
    outfile: join(modules, 'hoptrace/dist/powertools.mjs'),
    logLevel: 'silent',
    plugins: [
      {
        name: 'imports-hoptrace',
        setup: (b) => b.onResolve({ filter: /^\.\.\/index$/ }, () => ({ path: 'hoptrace', external: true })),
      },
    ],
  });
  const receiver = await OtlpReceiver.start();
  cleanups.push(() => receiver.close());
  const daemon = await xrayDaemon();
  const api = await LambdaRuntimeApi.start();
  cleanups.push(() => api.close());
  const sandbox = startSandbox(api.address, task.root, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    AWS_XRAY_DAEMON_ADDRESS: daemon.address,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url,
    DYNAMODB_ENDPOINT: await dynamodb(),
    ...env,
  });
  cleanups.push(sandbox.kill);
  api.attach(sandbox.child.pid!);
  const responses = [];
  for (const event of events) {
    const response = await api.invoke(event, { traceId: X_RAY_TRACE });
    responses.push({
      requestId: response.requestId,
      error: response.error,
      body: JSON.parse(response.body.toString()) as Record<string, unknown>,
    });
  }
  // UDP datagrams may trail the response.
  await new Promise((resolve) => setTimeout(resolve, variant === 'powertools' ? 300 : 0));
  return { responses, receiver, documents: daemon.documents, output: sandbox.output };
}

/** X-Ray: the subsegments (nested, or sent one by one with a parent id) as a tree from `## index.handler`. */
function xrayTrees(documents: Array<Record<string, unknown>>): Node[] {
  const all: Array<Record<string, unknown>> = [];
  const walk = (doc: Record<string, unknown>, parent?: string) => {
    all.push({ ...doc, parent_id: doc.parent_id ?? parent });
    for (const child of (doc.subsegments as Array<Record<string, unknown>> | undefined) ?? [])
      walk(child, doc.id as string);
  };
  for (const doc of documents) walk(doc);
  const toNode = (doc: Record<string, unknown>): Node => {
    const cause = doc.cause as { exceptions?: Array<{ message: string }> } | undefined;
    return {
      name: doc.namespace === 'aws' ? `${doc.name as string} (AWS SDK)` : (doc.name as string),
      annotations: (doc.annotations as Record<string, unknown>) ?? {},
      metadata: (doc.metadata as Record<string, Record<string, unknown>>) ?? {},
      error: doc.fault || doc.error ? (cause?.exceptions?.[0]?.message ?? '') : undefined,
      children: all
        .filter((c) => c.parent_id === doc.id && (String(c.name).startsWith('###') || c.namespace === 'aws'))
        .map(toNode),
    };
  };
  return all.filter((d) => d.name === '## index.handler').map(toNode);
}

/** hoptrace: the spans of each invocation as a tree from its root. */
function hoptraceTree(spans: OtlpSpan[], requestId: string): Node {
  const root = spans.find((s) => attr(s, 'faas.invocation_id') === requestId)!;
  const trace = spans.filter((s) => s.traceId === root.traceId);
  const toNode = (span: OtlpSpan): Node => {
    const annotations: Record<string, unknown> = {};
    const metadata: Record<string, Record<string, unknown>> = {};
    for (const { key } of span.attributes) {
      const value = attr(span, key);
      if (key.startsWith('xray.annotation.')) annotations[key.slice('xray.annotation.'.length)] = value;
      if (key.startsWith('xray.metadata.')) {
        const rest = key.slice('xray.metadata.'.length);
        const dot = rest.indexOf('.');
        const text = value as string;
        (metadata[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] =
          typeof value === 'string' && /^[[{]/.test(text) ? JSON.parse(text) : value;
      }
    }
    const exception = span.events?.find((e) => e.name === 'exception');
    return {
      name:
        span === root
          ? '## index.handler'
          : attr(span, 'rpc.system') === 'aws-api'
            ? `${attr(span, 'rpc.service') as string} (AWS SDK)`
            : span.name,
      annotations,
      metadata,
      error:
        span.status?.code === 2
          ? (((exception && attr(exception, 'exception.message')) as string | undefined) ?? '')
          : undefined,
      children: trace.filter((s) => s.parentSpanId === span.spanId && s.name !== 'init').map(toNode),
    };
  };
  return toNode(root);
}

describe('hoptrace/powertools against @aws-lambda-powertools/tracer 2.36', () => {
  it('decorators, captureMethod, annotations, metadata and an AWS SDK v3 client: the same trace, cold then warm', async () => {
    const events = [{ refund: true }, {}];
    const xray = await run('decorators', 'powertools', events);
    // With the xray propagator, hoptrace continues Lambda's X-Ray trace: the same trace id.
    const ours = await run('decorators', 'hoptrace', events, { OTEL_PROPAGATORS: 'tracecontext,baggage,xray' });
    const expected = xrayTrees(xray.documents);
    expect(expected).toHaveLength(2);
    const got = ours.responses.map((r) => hoptraceTree(ours.receiver.spans(), r.requestId));
    expect(got).toEqual(expected);
    // What the first one holds, spelled out: it is no empty comparison.
    expect(expected[0]).toMatchObject({
      annotations: { ColdStart: true, Service: 'serverlessAirline', successfulBooking: true },
      metadata: {
        serverlessAirline: {
          paymentResponse: { foo: 'bar', seats: [1, 2] },
          'index.handler response': { chargeId: 'foo bar' },
        },
      },
      children: [
        { name: '### getChargeId', annotations: { chargeKind: 'card' }, children: [{ name: 'DynamoDB (AWS SDK)' }] },
        { name: '### refund', error: 'refund failed' },
      ],
    });
    expect(expected[1]!.annotations.ColdStart).toBe(false);
    // getRootXrayTraceId: Lambda's trace, which hoptrace's spans belong to.
    expect(xray.responses[0]!.body.rootTraceId).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(ours.responses[0]!.body.rootTraceId).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(new Set(ours.receiver.spans().map((s) => s.traceId))).toEqual(new Set(['5759e988bd862e3fe1be46a994272793']));
    expect(ours.responses.map((r) => r.body.chargeId)).toEqual(['foo bar', 'foo bar']);
  });

  it('the middy middleware: the same annotations, the response as metadata, the error recorded, thrown or added by addErrorAsMetadata', async () => {
    const events = [{}, { fail: true }, { declined: true }];
    const xray = await run('middy', 'powertools', events);
    const ours = await run('middy', 'hoptrace', events);
    const expected = xrayTrees(xray.documents);
    expect(expected.map((n) => n.annotations)).toEqual([
      { ColdStart: true, Service: 'serverlessAirline', successfulBooking: true },
      { ColdStart: false, Service: 'serverlessAirline', successfulBooking: false },
      { ColdStart: false, Service: 'serverlessAirline', successfulBooking: true },
    ]);
    expect(expected.map((n) => n.error)).toEqual([undefined, 'booking failed', 'card declined']);
    const got = ours.responses.map((r) => hoptraceTree(ours.receiver.spans(), r.requestId));
    expect(got).toEqual(expected);
    expect(ours.responses.map((r) => r.error)).toEqual([false, true, false]);
  });

  it('the escape hatch: getSegment is undefined, setSegment does nothing, the handler answers as before, untraced', async () => {
    const ours = await run('escape-hatch', 'hoptrace', [{}]);
    expect(ours.responses).toEqual([{ requestId: expect.any(String), error: false, body: { ok: true } }]);
    expect(ours.output()).not.toMatch(/error|warn/i);
    // Neither decorator nor middleware: nothing makes it an invocation, as the doc warns.
    expect(ours.receiver.spans()).toEqual([]);
  });

  it('the escape hatch in withTracing: the same trace, addErrorAsMetadata in its catch included', async () => {
    const events = [{}, { fail: true }];
    const xray = await run('escape-hatch', 'powertools', events);
    const ours = await run('escape-hatch', 'hoptrace', events, {}, true);
    const expected = xrayTrees(xray.documents);
    expect(expected).toMatchObject([
      {
        annotations: { ColdStart: true, Service: 'serverlessAirline' },
        metadata: { serverlessAirline: { 'index.handler response': { ok: true } } },
        error: undefined,
      },
      { annotations: { ColdStart: false }, metadata: {}, error: 'booking failed' },
    ]);
    const got = ours.responses.map((r) => hoptraceTree(ours.receiver.spans(), r.requestId));
    expect(got).toEqual(expected);
    expect(ours.responses.map((r) => r.error)).toEqual([false, true]);
  });

  it('POWERTOOLS_TRACE_ENABLED=false, as with Powertools: the handler runs untraced', async () => {
    const ours = await run('decorators', 'hoptrace', [{}], { POWERTOOLS_TRACE_ENABLED: 'false' });
    expect(ours.responses[0]!.body.chargeId).toBe('foo bar');
    expect(ours.receiver.spans()).toEqual([]);
  });
});
