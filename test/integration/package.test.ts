import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVERLESS = join(ROOT, 'node_modules/serverless/bin/serverless.js');
const ENV = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };

type Resource = { Type: string; Properties: Record<string, any> };
let resources: Record<string, Resource>;
let out: string;

function ofType(type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'hoptrace-package-'));
  await run(process.execPath, [SERVERLESS, 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', out], {
    cwd: ROOT,
    env: { ...ENV, HOPTRACE_INGEST_API_KEYS: 'key-one,key-two' },
  });
  resources = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('serverless package (no AWS account)', () => {
  it('deploys the ingest on nodejs22.x, arm64, with its stream and keys', () => {
    const fn = resources.IngestLambdaFunction!.Properties;
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('handlers/ingest/handler.handler');
    expect(fn.Environment.Variables).toMatchObject({ HOPTRACE_STREAM_NAME: 'hoptrace-ingest-ci-spans', HOPTRACE_INGEST_API_KEYS: 'key-one,key-two' });
  });

  it('routes POST /v1/traces through an HTTP API and a Function URL', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes).toEqual(['ANY /v1/traces']);
    const [[, url]] = ofType('AWS::Lambda::Url') as [[string, Resource]];
    expect(url.Properties.TargetFunctionArn).toEqual({ 'Fn::GetAtt': ['IngestLambdaFunction', 'Arn'] });
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
    for (const s of statements) expect(s.Action.every((a: string) => a.startsWith('logs:') || a === 'kinesis:PutRecords')).toBe(true);
  });

  it('archives the stream into S3 through Firehose, partitioned by date', () => {
    const firehose = resources.SpanArchive!.Properties;
    expect(firehose.DeliveryStreamType).toBe('KinesisStreamAsSource');
    expect(firehose.KinesisStreamSourceConfiguration.KinesisStreamARN).toEqual({ 'Fn::GetAtt': ['SpanStream', 'Arn'] });
    const s3 = firehose.ExtendedS3DestinationConfiguration;
    expect(s3.Prefix).toContain('year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}');
    expect(s3.FileExtension).toBe('.json.gz');
    expect(resources.SpanArchiveBucket!.Properties.BucketEncryption).toBeDefined();
  });

  it('alarms on ingest errors, ingest 5xx and stream throttling', () => {
    const metrics = ofType('AWS::CloudWatch::Alarm')
      .filter(([id]) => !id.startsWith('TailSampler'))
      .map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics.sort()).toEqual(['AWS/ApiGateway/5xx', 'AWS/Kinesis/WriteProvisionedThroughputExceeded', 'AWS/Lambda/Errors']);
  });

  it('bundles the handler with esbuild into one file', async () => {
    const { stdout } = await run('unzip', ['-l', join(out, 'ingest.zip')]);
    const files = stdout.split('\n').map((l) => l.trim().split(/\s+/).at(-1)).filter((f) => f?.startsWith('handlers/'));
    expect(files).toEqual(['handlers/ingest/handler.js', 'handlers/ingest/handler.js.map']);
    expect(stdout).not.toContain('node_modules');
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
    expect(ingest.flatMap((s: { Action: string[] }) => s.Action).filter((a: string) => !a.startsWith('logs:'))).toEqual(['kinesis:PutRecords']);
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
      env: { ...ENV, HOPTRACE_INGEST_API_KEYS: 'k', HOPTRACE_TAIL_SAMPLING: 'true', HOPTRACE_FORWARD_ENDPOINT: 'http://jaeger.internal:4318/v1/traces' },
    });
    const on = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
    expect(on.TailSamplerStreamMapping.Properties.Enabled).toBe(true);
    expect(on.TailSamplerLambdaFunction.Properties.Environment.Variables.HOPTRACE_FORWARD_ENDPOINT).toBe('http://jaeger.internal:4318/v1/traces');
  }, 120_000);

  it('refuses to package without API keys, rather than deploy an open ingest', async () => {
    const env: NodeJS.ProcessEnv = { ...ENV };
    delete env.HOPTRACE_INGEST_API_KEYS;
    const failed = await run(process.execPath, [SERVERLESS, 'package', '--stage', 'ci', '--package', join(out, 'nokeys')], { cwd: ROOT, env }).then(
      () => false,
      () => true,
    );
    expect(failed).toBe(true);
  }, 120_000);
});
