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
    const metrics = ofType('AWS::CloudWatch::Alarm').map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics.sort()).toEqual(['AWS/ApiGateway/5xx', 'AWS/Kinesis/WriteProvisionedThroughputExceeded', 'AWS/Lambda/Errors']);
  });

  it('bundles the handler with esbuild into one file', async () => {
    const { stdout } = await run('unzip', ['-l', join(out, 'hoptrace-ingest.zip')]);
    const files = stdout.split('\n').map((l) => l.trim().split(/\s+/).at(-1)).filter((f) => f?.startsWith('handlers/'));
    expect(files).toEqual(['handlers/ingest/handler.js', 'handlers/ingest/handler.js.map']);
    expect(stdout).not.toContain('node_modules');
  });

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
