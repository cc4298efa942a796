import { NAMED_QUERIES, renderQuery } from './queries';
import { PARTITION_COLUMN, SPAN_COLUMNS } from './rows';

// The CloudFormation for the span table's catalogue side, made from the same definitions
// the transformation and the local engine use: the Glue database and table (partition
// projection, so new days need no crawler and no MSCK) and the Athena named queries.
// `npm run render:catalog` writes it to infra/span-table.json, which serverless.yml includes.

export const TABLE_NAME = 'otel_traces';
// The first day partition projection enumerates; earlier days hold nothing.
const FIRST_DAY = '2026-01-01';

export function catalogResources(): { Resources: Record<string, unknown> } {
  const resources: Record<string, unknown> = {
    SpanDatabase: {
      Type: 'AWS::Glue::Database',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: { Name: '${param:spanDatabase}', Description: 'hoptrace spans, one row per span' },
      },
    },
    SpanTable: {
      Type: 'AWS::Glue::Table',
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: { Ref: 'SpanDatabase' },
        TableInput: {
          Name: TABLE_NAME,
          TableType: 'EXTERNAL_TABLE',
          Parameters: {
            classification: 'parquet',
            'projection.enabled': 'true',
            [`projection.${PARTITION_COLUMN}.type`]: 'date',
            [`projection.${PARTITION_COLUMN}.format`]: 'yyyy-MM-dd',
            [`projection.${PARTITION_COLUMN}.range`]: `${FIRST_DAY},NOW`,
            [`projection.${PARTITION_COLUMN}.interval`]: '1',
            [`projection.${PARTITION_COLUMN}.interval.unit`]: 'DAYS',
            'storage.location.template': {
              'Fn::Sub': `s3://\${SpanArchiveBucket}/spans/${PARTITION_COLUMN}=\${!${PARTITION_COLUMN}}/`,
            },
          },
          PartitionKeys: [{ Name: PARTITION_COLUMN, Type: 'string' }],
          StorageDescriptor: {
            Columns: SPAN_COLUMNS.map(([Name, Type]) => ({ Name, Type })),
            Location: { 'Fn::Sub': 's3://${SpanArchiveBucket}/spans/' },
            InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          },
        },
      },
    },
  };
  for (const query of NAMED_QUERIES) {
    const id = query.name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
    resources[`SpanQuery${id}`] = {
      Type: 'AWS::Athena::NamedQuery',
      Properties: {
        Name: query.name,
        Description: `${query.description}. Parameters: ${query.parameters.join('; ')}`,
        Database: { Ref: 'SpanDatabase' },
        WorkGroup: { Ref: 'SpanWorkGroup' },
        QueryString: renderQuery(query, 'athena', TABLE_NAME),
      },
    };
  }
  return { Resources: resources };
}
