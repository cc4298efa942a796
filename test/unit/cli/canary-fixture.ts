import { writeRequestsBothWays } from './archive-fixture';
import { request, type Spec } from './traces';

// A canary with known answers for `compare --by faas.version` and `stats --by`: 40 traces of
// version 1 and 40 of version 2 through one operation (`api: GET /items`, a DynamoDB query
// under it), one trace with no version. The version is on the root span only: the query span
// is on its trace's side.
//   version 1: roots 100 + i ms (i = 0…39), queries 40 ms, trace i = 39 failed;
//   version 2: roots 150 + 10·i ms, queries 90 ms, traces i = 4, 8, 12 failed.
// Tenant `acme` on every fourth trace (i % 4 = 0), `globex` on the others; zone `z1` on
// version 2's traces i = 0, 38, 39, `z0` on every other trace. With 40 traces a side, the
// p95 (nearest rank) is the 38th: the slow traces are i = 38 and 39 of each side.

const SERVER = 2;
const CLIENT = 3;
export const PER_SIDE = 40;
export const canaryTrace = (version: 1 | 2, i: number): number => version * 1000 + i;

const text = (key: string, value: string) => ({ key, value: { stringValue: value } });

function trace(version: 1 | 2, i: number): Spec[] {
  const root = version === 1 ? 100 + i : 150 + 10 * i;
  const query = version === 1 ? 40 : 90;
  const failed = version === 1 ? i === 39 : [4, 8, 12].includes(i);
  const zone = version === 2 && [0, 38, 39].includes(i) ? 'z1' : 'z0';
  const t = canaryTrace(version, i);
  const start = i * 1000;
  return [
    {
      trace: t,
      id: 1,
      name: 'GET /items',
      start,
      end: start + root,
      kind: SERVER,
      attributes: [
        text('faas.version', String(version)),
        text('faas.invocation_id', `req-${t}`),
        text('faas.name', 'api'),
        text('cloud.region', 'eu-west-1'),
        // The canary logs to a group of its own.
        ...(version === 2
          ? [{ key: 'aws.log.group.names', value: { arrayValue: { values: [{ stringValue: '/custom/api-canary' }] } } }]
          : []),
        text('tenant', i % 4 === 0 ? 'acme' : 'globex'),
        text('zone', zone),
      ],
      ...(failed ? { error: 'boom' } : {}),
    },
    {
      trace: t,
      id: 2,
      parent: 1,
      name: 'DynamoDB.Query',
      start: start + 5,
      end: start + 5 + query,
      kind: CLIENT,
      attributes: [text('db.system', 'dynamodb')],
    },
  ];
}

export const canary: Spec[][] = [
  ...Array.from({ length: PER_SIDE }, (_, i) => trace(1, i)),
  ...Array.from({ length: PER_SIDE }, (_, i) => trace(2, i)),
  [{ trace: 9999, id: 1, name: 'GET /health', start: 0, end: 1, kind: SERVER }],
];

/** The canary as ingest records under `records` and as the span table under `table`. */
export const writeCanary = (records: string, table: string): Promise<void> =>
  writeRequestsBothWays(
    canary.map((specs) => request(specs)),
    records,
    table,
  );
