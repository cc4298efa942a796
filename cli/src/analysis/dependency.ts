import type { PlainValue } from '../../../src/otlp/values';
import type { ServiceMap } from '../model';
import { attributeText } from '../query/evaluate';

// What a client or producer span calls, when the callee is no traced service of ours: a
// table, a queue, a topic, a bus, a bucket, another AWS service or an external host, read
// from the semantic conventions' attributes and the AWS SDK instrumentation's `rpc.service`.
// cli/src/archive/dependency-sql.ts says the same in SQL, rule for rule.

export type DependencyKind = Exclude<ServiceMap['nodes'][number]['kind'], 'service'>;

export interface Dependency {
  kind: DependencyKind;
  name: string;
}

type Lookup = (key: string) => PlainValue | undefined;

const TOPICS = ['aws_sns', 'sns', 'aws.sns'];
const BUSES = ['eventbridge', 'aws_eventbridge', 'aws.eventbridge'];
const RPC_KINDS: Record<string, DependencyKind> = {
  S3: 'bucket',
  SQS: 'queue',
  SNS: 'topic',
  EventBridge: 'bus',
  DynamoDB: 'database',
};

/** The elements (as text; undefined for null) of a list attribute stored as JSON text (`["orders"]`); undefined when the text holds no list. */
export function listElements(text: string): Array<string | undefined> | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const list = JSON.parse(text) as unknown;
    return Array.isArray(list) ? list.map((v) => (v === null ? undefined : attributeText(v as PlainValue))) : undefined;
  } catch {
    return undefined;
  }
}

/** The first element of a list attribute stored as JSON text (`["orders"]`), or the text itself. */
export function firstOfList(text: string): string | undefined {
  return text.startsWith('[') ? listElements(text)?.[0] : text;
}

/** An attribute as text, undefined when absent (a module function: a closure per span costs). */
function textOf(attributes: Lookup, key: string): string | undefined {
  const value = attributes(key);
  return value === undefined ? undefined : attributeText(value);
}

export function dependencyOf(attributes: Lookup): Dependency | undefined {
  const tables = textOf(attributes, 'aws.dynamodb.table_names');
  const table = tables === undefined ? undefined : firstOfList(tables);
  const dbSystem = textOf(attributes, 'db.system');
  if (dbSystem !== undefined)
    return {
      kind: 'database',
      name: table ?? textOf(attributes, 'db.name') ?? textOf(attributes, 'db.namespace') ?? dbSystem,
    };
  const messaging = textOf(attributes, 'messaging.system');
  const destination = textOf(attributes, 'messaging.destination.name');
  if (messaging !== undefined || destination !== undefined) {
    const system = (messaging ?? '').toLowerCase();
    return {
      kind: TOPICS.includes(system) ? 'topic' : BUSES.includes(system) ? 'bus' : 'queue',
      name: destination ?? messaging!,
    };
  }
  const rpc = textOf(attributes, 'rpc.service');
  if (rpc !== undefined) {
    const kind = RPC_KINDS[rpc] ?? 'aws';
    return {
      kind,
      name: rpc === 'S3' ? (textOf(attributes, 'aws.s3.bucket') ?? rpc) : rpc === 'DynamoDB' ? (table ?? rpc) : rpc,
    };
  }
  const host =
    textOf(attributes, 'server.address') ?? textOf(attributes, 'net.peer.name') ?? textOf(attributes, 'http.host');
  return host === undefined ? undefined : { kind: 'external', name: host };
}

/** A dependency's node id on the map: its kind and its own name. */
export const dependencyNode = (dependency: Dependency): string => `${dependency.kind}:${dependency.name}`;
