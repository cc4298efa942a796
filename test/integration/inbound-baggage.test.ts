import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { context, propagation } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { instrumentAwsClient, withTracing } from '../../src/index';
import { AwsBus } from '../../testing/aws-bus';
import { httpApiEvent, lambdaContext, PARENT_TRACE_ID, VALID_TRACEPARENT } from '../helpers/lambda';
import { useReceiver } from '../helpers/test-bed';

// Propagators are chosen once per process, by the first wrapper: set the variable before it.
vi.stubEnv('HOPTRACE_ACCEPT_INBOUND_BAGGAGE', 'false');

const receiver = useReceiver();
let aws: AwsBus;
let thirdParty: http.Server;
let thirdPartyUrl: string;
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  aws = await AwsBus.start();
  thirdParty = http.createServer((req, res) => {
    seen.push(req.headers);
    res.end('ok');
  });
  await new Promise<void>((resolve) => thirdParty.listen(0, '127.0.0.1', resolve));
  thirdPartyUrl = `http://127.0.0.1:${(thirdParty.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => thirdParty.close(() => resolve()));
  await aws.close();
});

describe('HOPTRACE_ACCEPT_INBOUND_BAGGAGE=false: baggage stops at the edge', () => {
  it("never forwards an internet caller's baggage to third parties or into messages, yet continues its trace", async () => {
    const sqs = instrumentAwsClient(new SQSClient(aws.clientConfig));
    const inHandler: Array<string | undefined> = [];
    const handler = withTracing(
      async () => {
        inHandler.push(propagation.getBaggage(context.active())?.getEntry('tenant')?.value);
        await (await fetch(thirdPartyUrl)).text();
        await sqs.send(
          new SendMessageCommand({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/orders', MessageBody: 'x' }),
        );
        return { statusCode: 200 };
      },
      { endpoint: receiver().url },
    );
    await handler(
      httpApiEvent({ traceparent: VALID_TRACEPARENT, baggage: `tenant=evil,blob=${'x'.repeat(8000)}` }),
      lambdaContext(),
    );

    expect(inHandler).toEqual([undefined]);
    expect(seen.at(-1)!.traceparent).toContain(PARENT_TRACE_ID);
    expect(seen.at(-1)!.baggage).toBeUndefined();
    const attributes = (aws.call('SendMessage').body as { MessageAttributes: Record<string, unknown> })
      .MessageAttributes;
    expect(Object.keys(attributes)).toEqual(['traceparent']);
  });

  it('still sends baggage the function itself sets', async () => {
    await withTracing(
      async () => {
        const ctx = propagation.setBaggage(context.active(), propagation.createBaggage({ region: { value: 'eu' } }));
        await context.with(ctx, async () => (await fetch(thirdPartyUrl)).text());
      },
      { endpoint: receiver().url },
    )(httpApiEvent({ baggage: 'tenant=evil' }), lambdaContext());
    expect(seen.at(-1)!.baggage).toBe('region=eu');
  });
});
