import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DecisionStore } from '../../../../handlers/tail-sampler/decision-store';
import { KnownDecisions } from '../../../../handlers/tail-sampler/known-decisions';

const ERROR = { reason: 'error', probability: 1 } as const;
const T1 = '1'.repeat(32);
const T2 = '2'.repeat(32);

describe('decisions known in memory', () => {
  it('holds a decision until it expires, then forgets it', () => {
    const known = new KnownDecisions(10);
    known.set(T1, ERROR, 2000);
    expect(known.get(T1, 1999)).toEqual(ERROR);
    expect(known.get(T1, 2000)).toBeUndefined();
    expect(known.get(T1, 1000)).toBeUndefined();
  });

  it('lets the oldest go past its capacity; one set again is the newest', () => {
    const known = new KnownDecisions(2);
    known.set(T1, ERROR, 9000);
    known.set(T2, ERROR, 9000);
    known.set(T1, { reason: 'latency', probability: 1 }, 9000);
    known.set('3'.repeat(32), ERROR, 9000);
    expect(known.get(T2, 0)).toBeUndefined();
    expect(known.get(T1, 0)).toEqual({ reason: 'latency', probability: 1 });
  });
});

/** A table client that answers every read with the items given and counts the keys asked for. */
type Item = Record<string, { S?: string; N?: string }>;

function tableClient(items: Item[]): { client: DynamoDBClient; keys: string[] } {
  const keys: string[] = [];
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof BatchGetItemCommand) {
      const asked = command.input.RequestItems!.decisions!.Keys!.map((k) => `${k.pk!.S}/${k.sk!.S}`);
      keys.push(...asked);
      return { Responses: { decisions: items.filter((item) => asked.includes(`${item.pk!.S}/${item.sk!.S}`)) } };
    }
    return { Items: [] };
  };
  return { client: { send } as unknown as DynamoDBClient, keys };
}

const SETTINGS = {
  table: 'decisions',
  decisionTtlSeconds: 60,
  parkTtlSeconds: 60,
  sentTtlSeconds: 60,
  asideTtlSeconds: 60,
  sliWaitSeconds: 60,
};

describe('the decision store with known decisions', () => {
  it('does not look up a trace it kept itself, until the decision expires', async () => {
    let now = 1_000_000;
    const { client, keys } = tableClient([]);
    const store = new DecisionStore(client, SETTINGS, () => now);
    await store.keep([{ traceId: T1, ...ERROR }]);
    const lookup = await store.lookup([T1, T2], [], new Map());
    expect(lookup.decisions.get(T1)).toEqual(ERROR);
    expect(keys).toEqual([`${T2}/trace`]);
    now += 61_000;
    keys.length = 0;
    expect((await store.lookup([T1], [], new Map())).decisions.has(T1)).toBe(false);
    expect(keys).toEqual([`${T1}/trace`]);
  });

  it('remembers a decision read from the table until the item expires', async () => {
    let now = 1_000_000;
    const expiresAt = { N: String(now / 1000 + 30) };
    const stored = { pk: { S: T1 }, sk: { S: 'trace' }, reason: { S: 'latency' }, probability: { N: '1' }, expiresAt };
    const { client, keys } = tableClient([stored]);
    const store = new DecisionStore(client, SETTINGS, () => now);
    expect((await store.lookup([T1], [], new Map())).decisions.get(T1)).toEqual({ reason: 'latency', probability: 1 });
    keys.length = 0;
    expect((await store.lookup([T1], [], new Map())).decisions.get(T1)).toEqual({ reason: 'latency', probability: 1 });
    expect(keys).toEqual([]);
    now += 30_000;
    await store.lookup([T1], [], new Map());
    expect(keys).toEqual([`${T1}/trace`]);
  });

  it('still reads the parked parts of an interesting trace it knows, to sweep them', async () => {
    const { client, keys } = tableClient([]);
    const store = new DecisionStore(client, SETTINGS, () => 1_000_000);
    await store.keep([{ traceId: T1, ...ERROR }]);
    await store.lookup([], [T1], new Map());
    expect(keys).toEqual([`${T1}/trace`]);
  });
});
