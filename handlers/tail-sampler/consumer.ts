import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { AdaptiveSampler } from './adaptive-sampler';
import type { ConsumerConfig } from './config';
import { consumeBatch, type Log } from './consume';
import { DecisionStore } from './decision-store';
import { httpForwarder } from './forwarder';
import { SamplingState } from './sampling-state';

// The stream keeps a record 24 h; a sent marker must outlive any redelivery of its record.
const SENT_TTL_SECONDS = 48 * 3600;
// Long enough for someone on call to look at what was set aside after a weekend.
const ASIDE_TTL_SECONDS = 14 * 24 * 3600;

export interface ConsumerOutput {
  /** One embedded-metric-format line. */
  emit: (line: string) => void;
  log: Log;
}

const lambdaOutput: ConsumerOutput = {
  emit: (line) => process.stdout.write(`${line}\n`),
  log: (level, message, fields) => process.stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`),
};

/**
 * The consumer as the event source mapping calls it, wired to its store and backend. `now`
 * is the clock of every decision, TTL and sampling interval (a test drives a fake one).
 */
export function createConsumer(
  config: ConsumerConfig,
  dynamodb: DynamoDBClient,
  output: ConsumerOutput = lambdaOutput,
  now: () => number = Date.now,
): (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse> {
  const store = new DecisionStore(
    dynamodb,
    {
      table: config.table,
      decisionTtlSeconds: config.decisionTtlSeconds,
      parkTtlSeconds: config.parkTtlSeconds,
      sentTtlSeconds: SENT_TTL_SECONDS,
      asideTtlSeconds: ASIDE_TTL_SECONDS,
      sliWaitSeconds: config.sliWaitSeconds,
    },
    now,
  );
  const adaptive = config.policies.adaptive;
  const sampler =
    adaptive && new AdaptiveSampler(adaptive, new SamplingState(dynamodb, { table: config.table, adaptive }, now), now);
  const forward = httpForwarder(config.forward);
  return (event) =>
    consumeBatch(event.Records, {
      policies: config.policies,
      sampler,
      store,
      forward,
      maxRequestBytes: config.forward.maxRequestBytes,
      retryWindowMs: config.forward.retryWindowSeconds * 1000,
      metricsNamespace: config.metricsNamespace,
      ...output,
      now,
    });
}
