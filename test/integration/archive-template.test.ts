import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPAN_COLUMNS } from '../../handlers/archive/span-table';

// The archive as CloudFormation: `serverless package`, no AWS account.
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let out: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'hoptrace-archive-package-'));
  await run(process.execPath, [join(ROOT, 'node_modules/serverless/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', out], {
    cwd: ROOT,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', HOPTRACE_INGEST_API_KEYS: 'key-one' },
  });
  resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the span archive template', () => {
  it('has Firehose run the archive function and convert its rows to Parquet against the Glue table, by day', () => {
    const s3 = resources.SpanArchive!.Properties.ExtendedS3DestinationConfiguration;
    const [processor] = s3.ProcessingConfiguration.Processors;
    expect(processor.Type).toBe('Lambda');
    expect(processor.Parameters).toContainEqual({ ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': ['ArchiveLambdaFunction', 'Arn'] } });
    const conversion = s3.DataFormatConversionConfiguration;
    expect(conversion.Enabled).toBe(true);
    expect(conversion.InputFormatConfiguration.Deserializer).toEqual({ OpenXJsonSerDe: {} });
    expect(conversion.OutputFormatConfiguration.Serializer).toEqual({ ParquetSerDe: { Compression: 'SNAPPY' } });
    expect(conversion.SchemaConfiguration).toMatchObject({ DatabaseName: { Ref: 'SpanDatabase' }, TableName: { Ref: 'SpanTable' } });
    expect(s3.DynamicPartitioningConfiguration.Enabled).toBe(true);
    expect(s3.Prefix).toBe('spans/dt=!{partitionKeyFromLambda:dt}/');
    expect(s3.ErrorOutputPrefix).toMatch(/^errors\//);
  });

  it('declares the table with partition projection, so no crawler and no MSCK', () => {
    const table = resources.SpanTable!.Properties.TableInput;
    expect(table.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name)).toEqual(SPAN_COLUMNS.map(([name]) => name));
    expect(table.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
    expect(table.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.dt.format': 'yyyy-MM-dd' });
    expect(table.Parameters['storage.location.template']).toEqual({ 'Fn::Sub': 's3://${SpanArchiveBucket}/spans/dt=${!dt}/' });
    expect(resources.SpanDatabase!.Properties.DatabaseInput.Name).toBe('hoptrace_ci');
  });

  it('gives Athena a workgroup with a scan cap and an expiring results bucket, and the four named queries', () => {
    const workgroup = resources.SpanWorkGroup!.Properties.WorkGroupConfiguration;
    expect(workgroup.BytesScannedCutoffPerQuery).toBe(10737418240);
    expect(workgroup.EnforceWorkGroupConfiguration).toBe(true);
    expect(workgroup.ResultConfiguration.OutputLocation).toEqual({ 'Fn::Sub': 's3://${AthenaResultsBucket}/results/' });
    expect(resources.AthenaResultsBucket!.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(7);
    const queries = Object.values(resources).filter((r) => r.Type === 'AWS::Athena::NamedQuery');
    expect(queries.map((q) => q.Properties.Name).sort()).toEqual(['cold-starts-by-function', 'error-rate-by-service', 'slowest-operations', 'trace-by-id']);
    for (const q of queries) expect(q.Properties.QueryString).toContain('FROM otel_traces');
  });

  it('lets the archive function only put records back into its stream, and Firehose only invoke it and read the table', () => {
    expect(resources.ArchiveLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['ArchiveFunctionRole', 'Arn'] });
    const statements = resources.ArchiveFunctionRole!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: { 'Fn::GetAtt': ['SpanStream', 'Arn'] } }]);
    const firehose = resources.SpanArchiveRole!.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    expect(firehose).toContainEqual(expect.objectContaining({ Action: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'], Resource: { 'Fn::GetAtt': ['ArchiveLambdaFunction', 'Arn'] } }));
    expect(firehose).toContainEqual(expect.objectContaining({ Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'] }));
  });
});
