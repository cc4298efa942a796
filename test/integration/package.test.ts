import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPAN_COLUMNS } from '../../handlers/archive/span-table';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVERLESS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
const ENV = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };

type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let out: string;
let template: string;

function ofType(type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'hoptrace-package-'));
  await run(process.execPath, [SERVERLESS, 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', out], { cwd: ROOT, env: ENV });
  template = readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8');
  resources = JSON.parse(template).Resources;
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('serverless package (no AWS account)', () => {
  it('deploys the ingest on nodejs22.x, arm64, with its stream and the name of its key parameter, never a key', () => {
    const fn = resources.IngestLambdaFunction!.Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('handlers/ingest/handler.handler');
    expect(fn.Environment.Variables).toEqual({ HOPTRACE_STREAM_NAME: 'hoptrace-ingest-ci-spans', HOPTRACE_INGEST_KEYS_PARAMETER: '/hoptrace/ci/ingest-keys', NODE_OPTIONS: '--enable-source-maps' });
    expect(template).not.toMatch(/API_KEYS/);
  });

  it('lets only a REST API in, one that passes every body through as binary (base64), POST /v1/traces only', () => {
    expect(ofType('AWS::Lambda::Url')).toEqual([]);
    expect(ofType('AWS::ApiGatewayV2::Api')).toEqual([]);
    const [[apiId, api]] = ofType('AWS::ApiGateway::RestApi') as [[string, Resource]];
    expect(api.Properties.BinaryMediaTypes).toEqual(['*/*']);
    const paths = ofType('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart);
    expect(paths).toEqual(['v1', 'traces']);
    const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => m.Properties);
    expect(methods).toHaveLength(1);
    expect(methods[0]).toMatchObject({ HttpMethod: 'POST', ResourceId: { Ref: 'IngestTracesResource' }, Integration: { Type: 'AWS_PROXY' } });
    expect(methods[0]!.Integration.Uri['Fn::Sub']).toContain('${IngestLambdaFunction.Arn}');
    const [[, permission]] = ofType('AWS::Lambda::Permission') as [[string, Resource]];
    expect(permission.Properties.SourceArn['Fn::Sub']).toContain(`\${${apiId}}/*/POST/v1/traces`);
  });

  it('limits abuse: reserved concurrency and stage throttling, both set by parameters', () => {
    expect(resources.IngestLambdaFunction!.Properties.ReservedConcurrentExecutions).toBe(50);
    const [[, stage]] = ofType('AWS::ApiGateway::Stage') as [[string, Resource]];
    expect(stage.Properties.StageName).toBe('ci');
    expect(stage.Properties.MethodSettings).toEqual([{ ResourcePath: '/*', HttpMethod: '*', MetricsEnabled: true, ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 }]);
  });

  it('creates an on-demand, encrypted stream', () => {
    const stream = resources.SpanStream!.Properties;
    expect(stream.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(stream.StreamEncryption.EncryptionType).toBe('KMS');
    expect(stream.Name).toBe('hoptrace-ingest-ci-spans');
  });

  it('lets the function put records into that one stream and nothing more', () => {
    const role = resources.IamRoleLambdaExecution!.Properties;
    const statements = role.Policies.flatMap((p: { PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown }> } }) => p.PolicyDocument.Statement);
    const kinesis = statements.filter((s: { Action: string[] }) => s.Action.some((a) => a.startsWith('kinesis:')));
    expect(kinesis).toEqual([{ Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: { 'Fn::GetAtt': ['SpanStream', 'Arn'] } }]);
    const ssm = statements.filter((s: { Action: string[] }) => s.Action.some((a) => a.startsWith('ssm:')));
    expect(ssm).toEqual([{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/hoptrace/ci/ingest-keys' } }]);
    for (const s of statements) expect(s.Action.every((a: string) => a.startsWith('logs:') || a === 'kinesis:PutRecords' || a === 'ssm:GetParameter')).toBe(true);
  });

  it('has Firehose run the archive function and convert its rows to Parquet against the Glue table, by day', () => {
    const s3 = resources.SpanArchive!.Properties.ExtendedS3DestinationConfiguration;
    const [processor] = s3.ProcessingConfiguration.Processors;
    expect(processor.Type).toBe('Lambda');
    expect(processor.Parameters).toContainEqual({ ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': ['ArchiveLambdaFunction', 'Arn'] } });
    const conversion = s3.DataFormatConversionConfiguration;
    expect(conversion.Enabled).toBe(true);
    // Keys as sent: the SerDe would otherwise lowercase them (userId → userid) and fail a record holding both.
    expect(conversion.InputFormatConfiguration.Deserializer).toEqual({ OpenXJsonSerDe: { CaseInsensitive: false } });
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

  it('alarms on ingest errors, 5xx at the front door, ingest throttling and stream throttling', () => {
    const metrics = ofType('AWS::CloudWatch::Alarm')
      .filter(([id]) => !id.startsWith('TailSampler'))
      .map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics.sort()).toEqual(['AWS/ApiGateway/5XXError', 'AWS/Kinesis/WriteProvisionedThroughputExceeded', 'AWS/Lambda/Errors', 'AWS/Lambda/Throttles']);
    const api = resources.Ingest5xxAlarm!.Properties.Dimensions;
    expect(api).toEqual([{ Name: 'ApiName', Value: resources.IngestRestApi!.Properties.Name }, { Name: 'Stage', Value: 'ci' }]);
  });

  it('bundles each function with esbuild into one file of its own', async () => {
    for (const fn of ['ingest', 'archive']) {
      const { stdout } = await run('unzip', ['-l', join(out, `${fn}.zip`)]);
      const files = stdout.split('\n').map((l) => l.trim().split(/\s+/).at(-1)).filter((f) => f?.startsWith('handlers/'));
      expect(files).toEqual([`handlers/${fn}/handler.js`, `handlers/${fn}/handler.js.map`]);
      expect(stdout).not.toContain('node_modules');
    }
  });

  it('reads the stream with the tail sampler through an event source mapping, off unless configured', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings.map(([id]) => id)).toEqual(['TailSamplerStreamMapping']);
    expect(mappings[0]![1].Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': ['SpanStream', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['TailSamplerLambdaFunction', 'Arn'] },
      Enabled: false,
      StartingPosition: 'LATEST',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
    });
    const fn = resources.TailSamplerLambdaFunction!.Properties;
    expect(fn.Handler).toBe('handlers/tail-sampler/handler.handler');
    expect(fn.Environment.Variables.HOPTRACE_DECISION_TABLE).toEqual({ Ref: 'DecisionTable' });
  });

  it('keeps decisions in a DynamoDB table whose items expire by TTL', () => {
    const table = resources.DecisionTable!.Properties;
    expect(resources.DecisionTable!.Type).toBe('AWS::DynamoDB::Table');
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('gives the tail sampler a role of its own: read the stream, use the table, log, nothing more', () => {
    expect(resources.TailSamplerLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['TailSamplerRole', 'Arn'] });
    const statements = resources.TailSamplerRole!.Properties.Policies.flatMap((p: { PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown }> } }) => p.PolicyDocument.Statement);
    const byService = (prefix: string) => statements.filter((s: { Action: string[] }) => s.Action.every((a) => a.startsWith(prefix)));
    expect(byService('dynamodb:')).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query'], Resource: { 'Fn::GetAtt': ['DecisionTable', 'Arn'] } },
    ]);
    expect(byService('kinesis:')).toEqual([
      {
        Effect: 'Allow',
        Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
        Resource: { 'Fn::GetAtt': ['SpanStream', 'Arn'] },
      },
    ]);
    const actions = statements.flatMap((s: { Action: string[] }) => s.Action).sort();
    expect(actions.filter((a: string) => !a.startsWith('dynamodb:') && !a.startsWith('kinesis:'))).toEqual(['kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments']);
    // The ingest's role gained nothing from the consumer.
    const ingest = resources.IamRoleLambdaExecution!.Properties.Policies.flatMap((p: { PolicyDocument: { Statement: Array<{ Action: string[] }> } }) => p.PolicyDocument.Statement);
    expect(ingest.flatMap((s: { Action: string[] }) => s.Action).filter((a: string) => !a.startsWith('logs:'))).toEqual(['kinesis:PutRecords', 'ssm:GetParameter']);
  });

  it('alarms on the tail sampler failing, falling behind and not reaching its backend', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('TailSampler'));
    expect(alarms.map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`).sort()).toEqual(['AWS/Lambda/Errors', 'AWS/Lambda/IteratorAge', 'hoptrace/ForwardFailures']);
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    for (const [, a] of alarms.filter(([, x]) => x.Properties.Namespace === 'AWS/Lambda')) expect(a.Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: 'TailSamplerLambdaFunction' } }]);
  });

  it('bundles the tail sampler into a zip of its own', async () => {
    const { stdout } = await run('unzip', ['-l', join(out, 'tailSampler.zip')]);
    const files = stdout.split('\n').map((l) => l.trim().split(/\s+/).at(-1)).filter((f) => f?.startsWith('handlers/'));
    expect(files).toEqual(['handlers/tail-sampler/handler.js', 'handlers/tail-sampler/handler.js.map']);
  });

  it('turns the tail sampler on, with its backend, when configured', async () => {
    const dir = join(out, 'sampling');
    await run(process.execPath, [SERVERLESS, 'package', '--stage', 'ci', '--package', dir], {
      cwd: ROOT,
      env: { ...ENV, HOPTRACE_TAIL_SAMPLING: 'true', HOPTRACE_FORWARD_ENDPOINT: 'http://jaeger.internal:4318/v1/traces' },
    });
    const on = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
    expect(on.TailSamplerStreamMapping.Properties.Enabled).toBe(true);
    expect(on.TailSamplerLambdaFunction.Properties.Environment.Variables.HOPTRACE_FORWARD_ENDPOINT).toBe('http://jaeger.internal:4318/v1/traces');
  }, 120_000);
});
