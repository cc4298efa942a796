import type { Dialect, Syntax } from '../../../span-table/queries';

// What a client or producer span calls, in SQL over the span table's row, rule for rule as
// cli/src/analysis/dependency.ts reads it from the span's attributes.

const quoted = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/** The `kind` and `name` columns of a row's dependency (NULL for spans that call nothing we can name). */
export function dependencySql(s: Syntax, dialect: Dialect): { kind: string; name: string } {
  const a = (key: string): string => s.lookup('span_attributes', key);
  const first = (expr: string): string =>
    `CASE WHEN ${expr} LIKE '[%' THEN ${dialect === 'duckdb' ? `json_extract_string(${expr}, '$[0]')` : `json_extract_scalar(${expr}, '$[0]')`} ELSE ${expr} END`;
  const table = first(a('aws.dynamodb.table_names'));
  const system = `lower(coalesce(${a('messaging.system')}, ''))`;
  const caller = "span_kind IN ('Client', 'Producer')";
  const host = `coalesce(${a('server.address')}, ${a('net.peer.name')}, ${a('http.host')})`;
  const kind = `CASE WHEN NOT (${caller}) THEN NULL
    WHEN ${a('db.system')} IS NOT NULL THEN 'database'
    WHEN ${a('messaging.system')} IS NOT NULL OR ${a('messaging.destination.name')} IS NOT NULL THEN
      CASE WHEN ${system} IN (${quoted(['aws_sns', 'sns', 'aws.sns'])}) THEN 'topic' WHEN ${system} IN (${quoted(['eventbridge', 'aws_eventbridge', 'aws.eventbridge'])}) THEN 'bus' ELSE 'queue' END
    WHEN ${a('rpc.service')} IS NOT NULL THEN
      CASE ${a('rpc.service')} WHEN 'S3' THEN 'bucket' WHEN 'SQS' THEN 'queue' WHEN 'SNS' THEN 'topic' WHEN 'EventBridge' THEN 'bus' WHEN 'DynamoDB' THEN 'database' ELSE 'aws' END
    WHEN ${host} IS NOT NULL THEN 'external'
  END`;
  const name = `CASE WHEN NOT (${caller}) THEN NULL
    WHEN ${a('db.system')} IS NOT NULL THEN coalesce(${table}, ${a('db.name')}, ${a('db.namespace')}, ${a('db.system')})
    WHEN ${a('messaging.system')} IS NOT NULL OR ${a('messaging.destination.name')} IS NOT NULL THEN coalesce(${a('messaging.destination.name')}, ${a('messaging.system')})
    WHEN ${a('rpc.service')} IS NOT NULL THEN
      CASE ${a('rpc.service')} WHEN 'S3' THEN coalesce(${a('aws.s3.bucket')}, 'S3') WHEN 'DynamoDB' THEN coalesce(${table}, 'DynamoDB') ELSE ${a('rpc.service')} END
    ELSE ${host}
  END`;
  return { kind, name };
}
