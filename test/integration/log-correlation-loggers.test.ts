import { PassThrough } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import winston from 'winston';
import { traceLogFields, withTracing } from '../../src/index';
import { lambdaContext } from '../helpers/lambda';
import { attr } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';

// The one line docs/library/logs.md gives each logger that writes to stdout itself, run on the real library:
// its lines carry the ids of the span active when written, and lines outside an invocation none.
const receiver = useReceiver();

function sink(): { stream: PassThrough; records: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const records = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, records };
}

/** Runs `log` in a traced invocation, once at its root and once in a child span; returns the two spans' ids. */
async function traced(
  log: (where: string) => void,
): Promise<{ root: Record<string, string>; child: Record<string, string> }> {
  await withTracing(
    async () => {
      log('at the root');
      await trace.getTracer('orders').startActiveSpan('charge card', async (span) => {
        log('in the child');
        span.end();
      });
    },
    { endpoint: receiver().url },
  )({}, lambdaContext());
  const spans = receiver().spans();
  const ids = (s: { traceId: string; spanId: string }) => ({ trace_id: s.traceId, span_id: s.spanId });
  return {
    root: ids(spans.find((s) => attr(s, 'faas.invocation_id') !== undefined)!),
    child: ids(spans.find((s) => s.name === 'charge card')!),
  };
}

const byMessage = (records: Array<Record<string, unknown>>, key: string, text: string) =>
  records.find((r) => r[key] === text)!;

describe('trace ids in the lines of other loggers, as docs/library/logs.md sets them up', () => {
  afterEach(() => vi.restoreAllMocks());

  it('pino, with traceLogFields as its mixin', async () => {
    const { stream, records } = sink();
    const logger = pino({ mixin: () => traceLogFields() }, stream);
    logger.info('outside');
    const { root, child } = await traced((where) => logger.info(where));
    logger.info('after');
    await new Promise((resolve) => setImmediate(resolve));
    expect(byMessage(records(), 'msg', 'at the root')).toMatchObject(root);
    expect(byMessage(records(), 'msg', 'in the child')).toMatchObject(child);
    expect(byMessage(records(), 'msg', 'outside')).not.toHaveProperty('trace_id');
    expect(byMessage(records(), 'msg', 'after')).not.toHaveProperty('trace_id');
  });

  it('winston, with traceLogFields in a format', async () => {
    const { stream, records } = sink();
    const logger = winston.createLogger({
      format: winston.format.combine(
        winston.format((info) => Object.assign(info, traceLogFields()))(),
        winston.format.json(),
      ),
      transports: [new winston.transports.Stream({ stream })],
    });
    logger.info('outside');
    const { root, child } = await traced((where) => logger.info(where));
    logger.info('after');
    expect(byMessage(records(), 'message', 'at the root')).toMatchObject(root);
    expect(byMessage(records(), 'message', 'in the child')).toMatchObject(child);
    expect(byMessage(records(), 'message', 'outside')).not.toHaveProperty('trace_id');
    expect(byMessage(records(), 'message', 'after')).not.toHaveProperty('trace_id');
  });

  it('Powertools Logger, with traceLogFields merged into each record by its jsonReplacerFn', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logger = new Logger({
      serviceName: 'orders',
      jsonReplacerFn: (key, value) => (key === '' ? Object.assign({}, value, traceLogFields()) : value),
    });
    logger.info('outside');
    const { root, child } = await traced((where) => logger.createChild().info(where, { order: { id: 7 } }));
    logger.info('after');
    vi.restoreAllMocks();
    const records = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(byMessage(records, 'message', 'at the root')).toMatchObject({ ...root, order: { id: 7 } });
    expect(byMessage(records, 'message', 'in the child')).toMatchObject(child);
    // Only the record itself: a nested object carries no ids.
    expect(byMessage(records, 'message', 'in the child')).toEqual(expect.objectContaining({ order: { id: 7 } }));
    expect(byMessage(records, 'message', 'outside')).not.toHaveProperty('trace_id');
    expect(byMessage(records, 'message', 'after')).not.toHaveProperty('trace_id');
  });
});
