import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';
import { decisionTableClient } from '../handlers/tail-sampler/dynamodb-client';
import { serveEmulator, type LocalEmulator } from './emulator';
import { LOCAL_CREDENTIALS } from './kinesis';

export type LocalDynamo = LocalEmulator<DynamoDBClient>;

/** Starts dynalite, DynamoDB on an in-memory leveldb, on a free loopback port. */
export async function startDynalite(): Promise<LocalDynamo> {
  return serveEmulator(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }), (endpoint) =>
    decisionTableClient({
      endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      requestHandler: new NodeHttpHandler(),
    }),
  );
}

/** The tail sampler's decision table, keyed as infra/tail-sampler.yml declares it. */
export async function createDecisionTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
