import { readConsumerConfig } from '../handlers/tail-sampler/config';
import { createConsumer } from '../handlers/tail-sampler/consumer';
import { createDecisionTable, startDynalite } from '../testing/decision-table';
import { startDemoReceiver } from '../testing/demo-receiver';
import { startEventSource } from '../testing/event-source';
import type { LocalKinesis } from '../testing/kinesis';

const LOCAL_TABLE = 'hoptrace-decisions';

export interface LocalTailSampler {
  /** Where kept traces go: HOPTRACE_FORWARD_ENDPOINT, or the demo receiver here. */
  forwardUrl: string;
  stop(): Promise<void>;
}

/**
 * The tail sampler on the local stream: dynalite for its decisions, forwarding to
 * HOPTRACE_FORWARD_ENDPOINT (a local Jaeger: http://127.0.0.1:4318/v1/traces) or, when unset,
 * to a receiver here that prints what it gets. Policies come from the usual variables.
 */
export async function startLocalTailSampler(kinesis: LocalKinesis, stream: string): Promise<LocalTailSampler> {
  const dynamo = await startDynalite();
  await createDecisionTable(dynamo.client, LOCAL_TABLE);
  const forward = process.env.HOPTRACE_FORWARD_ENDPOINT || undefined;
  const receiver = forward ? undefined : await startDemoReceiver((line) => console.error(`  ${line}`));
  const endpoint = forward ?? receiver!.url;
  const config = readConsumerConfig({
    ...process.env,
    HOPTRACE_FORWARD_ENDPOINT: endpoint,
    HOPTRACE_DECISION_TABLE: LOCAL_TABLE,
  });
  const consume = createConsumer(config, dynamo.client, {
    emit: (line) => {
      const doc = JSON.parse(line) as { ForwardedSpans?: number; KeptTraces?: number; ParkedParts?: number };
      if (doc.ForwardedSpans)
        console.log(
          `  tail sampler: ${doc.KeptTraces} trace(s) kept, ${doc.ForwardedSpans} span(s) forwarded to ${endpoint}`,
        );
    },
    log: (level, message) => console.error(`  tail sampler ${level}: ${message}`),
  });
  const source = await startEventSource(kinesis.client, stream, consume, { pollMs: 250, retryMs: 1000 });
  console.log(
    `  tail sampler on stream "${stream}": decisions in dynalite ${dynamo.endpoint}, kept traces to ${endpoint}`,
  );
  return {
    forwardUrl: endpoint,
    stop: async () => {
      await source.stop();
      await Promise.all([dynamo.close(), receiver?.close()]);
    },
  };
}
