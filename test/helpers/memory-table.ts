import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

/**
 * The decision table in memory, for unit tests that run the real DecisionStore over several
 * batches or sandboxes: BatchGetItem, BatchWriteItem and the queries the store makes (`pk = :pk`
 * with `sk >= :from` or `sk BETWEEN :from AND :to`), all processed at once. `requests` counts them.
 */
export function memoryTable(): { client: DynamoDBClient; items: Map<string, Item>; requests: () => number } {
  const items = new Map<string, Item>();
  const key = (k: Item): string => `${k.pk!.S}\u0000${k.sk!.S}`;
  let requests = 0;
  const send = async (command: unknown): Promise<unknown> => {
    requests++;
    if (command instanceof BatchGetItemCommand) {
      const [table, { Keys }] = Object.entries(command.input.RequestItems!)[0]!;
      return { Responses: { [table]: Keys!.map((k) => items.get(key(k))).filter((i) => i !== undefined) } };
    }
    if (command instanceof BatchWriteItemCommand) {
      for (const request of Object.values(command.input.RequestItems!)[0]!) {
        if (request.PutRequest) items.set(key(request.PutRequest.Item!), request.PutRequest.Item!);
        if (request.DeleteRequest) items.delete(key(request.DeleteRequest.Key!));
      }
      return {};
    }
    if (command instanceof QueryCommand) {
      const values = command.input.ExpressionAttributeValues!;
      const pk = values[':pk']!.S!;
      const from = values[':from']!.S!;
      const to = values[':to']?.S;
      const found = [...items.values()]
        .filter((i) => i.pk!.S === pk && i.sk!.S! >= from && (to === undefined || i.sk!.S! <= to))
        .sort((a, b) => (a.sk!.S! < b.sk!.S! ? -1 : 1));
      return { Items: found };
    }
    throw new Error(`memory table: ${(command as object).constructor.name} is not supported`);
  };
  return { client: { send } as unknown as DynamoDBClient, items, requests: () => requests };
}
