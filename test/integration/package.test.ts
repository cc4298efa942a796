import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPAN_COLUMNS } from '../../span-table/rows';
import { packageStack, type Resource } from '../helpers/packaged-template';

const run = promisify(execFile);

let resources: Record<string, Resource>;
let out: string;
let template: string;

function ofType(type: string): Array<[string, Resource]> {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

beforeAll(async () => {
  const packaged = await packageStack('ci');
  out = packaged.dir;
  template = readFileSync(packaged.templateFile, 'utf8');
  resources = packaged.template.Resources;
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('serverless package (no AWS account)', () => {
  it('deploys the ingest on nodejs24.x, arm64, with its stream and the name of its key parameter, never a key', () => {
    const fn = resources.IngestLambdaFunction!.Properties;
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('handlers/ingest/handler.handler');
    // No --enable-source-maps: parsing the map at init is on the first request's clock.
    expect(fn.Environment.Variables).toEqual({
      HOPTRACE_STREAM_NAME: 'hoptrace-ingest-ci-spans',
      HOPTRACE_INGEST_KEYS_PARAMETER: '/hoptrace/ci/ingest-keys',
      HOPTRACE_METRICS_NAMESPACE: 'hoptrace',
    });
    for (const other of ['ArchiveLambdaFunction', 'TailSamplerLambdaFunction'])
      expect(resources[other]!.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
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
    expect(methods[0]).toMatchObject({
      HttpMethod: 'POST',
      ResourceId: { Ref: 'IngestTracesResource' },
      Integration: { Type: 'AWS_PROXY' },
    });
    expect(methods[0]!.Integration.Uri['Fn::Sub']).toContain('${IngestLambdaFunction.Arn}');
    const [[, permission]] = ofType('AWS::Lambda::Permission') as [[string, Resource]];
    expect(permission.Properties.SourceArn['Fn::Sub']).toContain(`\${${apiId}}/*/POST/v1/traces`);
  });

  it('limits abuse by stage throttling, and reserves no concurrency unless asked to (Lambda keeps 100 unreserved)', async () => {
    expect(resources.IngestLambdaFunction!.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    for (const fn of ofType('AWS::Lambda::Function'))
      expect(fn[1].Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    const [[, stage]] = ofType('AWS::ApiGateway::Stage') as [[string, Resource]];
    expect(stage.Properties.StageName).toBe('ci');
    expect(stage.Properties.MethodSettings).toEqual([
      {
        ResourcePath: '/*',
        HttpMethod: '*',
        MetricsEnabled: true,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        ThrottlingRateLimit: 200,
        ThrottlingBurstLimit: 400,
      },
    ]);
    const reserved = await packageStack('ci', { args: ['--param=ingestReservedConcurrency=50'] });
    try {
      expect(reserved.template.Resources.IngestLambdaFunction!.Properties.ReservedConcurrentExecutions).toBe(50);
    } finally {
      rmSync(reserved.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('creates an on-demand, encrypted stream', () => {
    const stream = resources.SpanStream!.Properties;
    expect(stream.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(stream.StreamEncryption.EncryptionType).toBe('KMS');
    expect(stream.Name).toBe('hoptrace-ingest-ci-spans');
  });

  it('lets the function put records into that one stream and nothing more', () => {
    const role = resources.IamRoleLambdaExecution!.Properties;
    const statements = role.Policies.flatMap(
      (p: { PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown }> } }) =>
        p.PolicyDocument.Statement,
    );
    const kinesis = statements.filter((s: { Action: string[] }) => s.Action.some((a) => a.startsWith('kinesis:')));
    expect(kinesis).toEqual([
      { Effect: 'Allow', Action: ['kinesis:PutRecords'], Resource: { 'Fn::GetAtt': ['SpanStream', 'Arn'] } },
    ]);
    const ssm = statements.filter((s: { Action: string[] }) => s.Action.some((a) => a.startsWith('ssm:')));
    expect(ssm).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: {
          'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/hoptrace/ci/ingest-keys',
        },
      },
    ]);
    for (const s of statements)
      expect(
        s.Action.every((a: string) => a.startsWith('logs:') || a === 'kinesis:PutRecords' || a === 'ssm:GetParameter'),
      ).toBe(true);
  });

  it('has the archive function read the stream through an event source mapping and write the Parquet itself, no Firehose', () => {
    expect(ofType('AWS::KinesisFirehose::DeliveryStream')).toEqual([]);
    expect(resources.ArchiveStreamMapping!.Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': ['SpanStream', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['ArchiveLambdaFunction', 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10000,
      MaximumBatchingWindowInSeconds: 300,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: -1,
      // Given up on an hour before the stream's 24 h retention, and reported.
      MaximumRecordAgeInSeconds: 82800,
      DestinationConfig: { OnFailure: { Destination: { Ref: 'AlarmTopic' } } },
    });
    expect(resources.ArchiveLambdaFunction!.Properties.Environment.Variables.HOPTRACE_ARCHIVE_BUCKET).toEqual({
      Ref: 'SpanArchiveBucket',
    });
  });

  it('declares the table with partition projection, so no crawler and no MSCK', () => {
    const table = resources.SpanTable!.Properties.TableInput;
    expect(table.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name)).toEqual(
      SPAN_COLUMNS.map(([name]) => name),
    );
    expect(table.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
    expect(table.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
    });
    expect(table.Parameters['storage.location.template']).toEqual({
      'Fn::Sub': 's3://${SpanArchiveBucket}/spans/dt=${!dt}/',
    });
    expect(resources.SpanDatabase!.Properties.DatabaseInput.Name).toBe('hoptrace_ci');
  });

  it('gives Athena a workgroup with a scan cap and an expiring results bucket, and the four named queries', () => {
    const workgroup = resources.SpanWorkGroup!.Properties.WorkGroupConfiguration;
    expect(workgroup.BytesScannedCutoffPerQuery).toBe(10737418240);
    expect(workgroup.EnforceWorkGroupConfiguration).toBe(true);
    expect(workgroup.ResultConfiguration.OutputLocation).toEqual({ 'Fn::Sub': 's3://${AthenaResultsBucket}/results/' });
    expect(resources.AthenaResultsBucket!.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(7);
    const queries = Object.values(resources).filter((r) => r.Type === 'AWS::Athena::NamedQuery');
    expect(queries.map((q) => q.Properties.Name).sort()).toEqual([
      'cold-starts-by-function',
      'error-rate-by-service',
      'slowest-operations',
      'trace-by-id',
    ]);
    for (const q of queries) expect(q.Properties.QueryString).toContain('FROM otel_traces');
  });

  it("lets the archive function only read its stream, write under the bucket's two prefixes, report to the alarm topic and log", () => {
    expect(resources.ArchiveLambdaFunction!.Properties.Role).toEqual({ 'Fn::GetAtt': ['ArchiveFunctionRole', 'Arn'] });
    expect(resources.ArchiveFunctionRole!.Properties).not.toHaveProperty('ManagedPolicyArns');
    const statements = resources.ArchiveFunctionRole!.Properties.Policies.flatMap(
      (p: any) => p.PolicyDocument.Statement,
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
        ],
        Resource: { 'Fn::GetAtt': ['SpanStream', 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: [
          { 'Fn::Sub': '${SpanArchiveBucket.Arn}/spans/*' },
          { 'Fn::Sub': '${SpanArchiveBucket.Arn}/errors/*' },
        ],
      },
      { Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: 'AlarmTopic' } },
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': ['AlarmTopicKey', 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: {
          'Fn::Sub':
            'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/hoptrace-ingest-ci-archive:*',
        },
      },
    ]);
  });

  it('alarms on the archive function failing and falling behind the stream', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('Archive'));
    expect(alarms.map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`).sort()).toEqual([
      'AWS/Lambda/Errors',
      'AWS/Lambda/IteratorAge',
    ]);
    for (const [, a] of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(a.Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: 'ArchiveLambdaFunction' } }]);
    }
  });

  it('alarms on ingest errors, 5xx at the front door, ingest throttling and stream throttling', () => {
    const metrics = ofType('AWS::CloudWatch::Alarm')
      .filter(([id]) => !id.startsWith('TailSampler') && !id.startsWith('Archive'))
      .map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics.sort()).toEqual([
      'AWS/ApiGateway/5XXError',
      'AWS/Kinesis/WriteProvisionedThroughputExceeded',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Throttles',
    ]);
    const api = resources.Ingest5xxAlarm!.Properties.Dimensions;
    expect(api).toEqual([
      { Name: 'ApiName', Value: resources.IngestRestApi!.Properties.Name },
      { Name: 'Stage', Value: 'ci' },
    ]);
  });

  it('bundles each function with esbuild into one file of its own', async () => {
    for (const fn of ['ingest', 'archive']) {
      const { stdout } = await run('unzip', ['-l', join(out, `${fn}.zip`)]);
      const files = stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/).at(-1))
        .filter((f) => f?.startsWith('handlers/'));
      expect(files).toEqual([`handlers/${fn}/handler.js`, `handlers/${fn}/handler.js.map`]);
      expect(stdout).not.toContain('node_modules');
    }
  });

  it('reads the stream with the tail sampler through an event source mapping, off unless configured', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([id]) => id.startsWith('TailSampler'));
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
      // Given up on an hour before the stream's 24 h retention, and reported.
      MaximumRecordAgeInSeconds: 82800,
      DestinationConfig: { OnFailure: { Destination: { Ref: 'AlarmTopic' } } },
    });
    expect(resources.SpanStream!.Properties.RetentionPeriodHours * 3600).toBeGreaterThan(82800);
    const fn = resources.TailSamplerLambdaFunction!.Properties;
    expect(fn.Handler).toBe('handlers/tail-sampler/handler.handler');
    expect(fn.Environment.Variables.HOPTRACE_DECISION_TABLE).toEqual({ Ref: 'DecisionTable' });
    expect(fn.Environment.Variables.HOPTRACE_FORWARD_RETRY_S).toBe('300');
    // Adaptive sampling is off unless its target is given; its other settings have the code's defaults.
    expect(fn.Environment.Variables).toMatchObject({
      HOPTRACE_TAIL_TARGET_PER_S: '',
      HOPTRACE_TAIL_INTERVAL_S: '60',
      HOPTRACE_TAIL_OBJECTIVE: '0.999',
      HOPTRACE_TAIL_BOOST_BURN: '14.4',
      HOPTRACE_TAIL_BOOST_S: '600',
    });
  });

  it('deploys the on-call and debug dashboards, and no SLO alarm while no SLO is set', () => {
    expect(ofType('AWS::CloudWatch::Dashboard').map(([id, d]) => [id, d.Properties.DashboardName])).toEqual([
      ['OnCallDashboard', { 'Fn::Sub': '${AWS::StackName}-on-call' }],
      ['DebugDashboard', { 'Fn::Sub': '${AWS::StackName}-debug' }],
    ]);
    expect(ofType('AWS::CloudWatch::CompositeAlarm')).toEqual([]);
    expect(Object.keys(resources).filter((id) => id.startsWith('Slo'))).toEqual([]);
    // The debug dashboard counts errors in the stack's own functions' logs unless told others.
    expect(resources.DebugDashboard!.Properties.DashboardBody['Fn::Sub']).toContain(
      "SOURCE '/aws/lambda/hoptrace-ingest-ci-tailSampler'",
    );
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
    const statements = resources.TailSamplerRole!.Properties.Policies.flatMap(
      (p: { PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown }> } }) =>
        p.PolicyDocument.Statement,
    );
    const byService = (prefix: string) =>
      statements.filter((s: { Action: string[] }) => s.Action.every((a) => a.startsWith(prefix)));
    expect(byService('dynamodb:')).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
        ],
        Resource: { 'Fn::GetAtt': ['DecisionTable', 'Arn'] },
      },
    ]);
    expect(byService('kinesis:')).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
        ],
        Resource: { 'Fn::GetAtt': ['SpanStream', 'Arn'] },
      },
    ]);
    const actions = statements.flatMap((s: { Action: string[] }) => s.Action).sort();
    expect(actions.filter((a: string) => !a.startsWith('dynamodb:') && !a.startsWith('kinesis:'))).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'ssm:GetParameter',
      'xray:PutTraceSegments',
    ]);
    // Only the alarm topic's key, for reporting a batch given up on; the stream's key needs nothing.
    expect(statements.filter((s: { Action: string[] }) => s.Action.some((a) => a.startsWith('kms:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': ['AlarmTopicKey', 'Arn'] },
      },
    ]);
    // The ingest's role gained nothing from the consumer.
    const ingest = resources.IamRoleLambdaExecution!.Properties.Policies.flatMap(
      (p: { PolicyDocument: { Statement: Array<{ Action: string[] }> } }) => p.PolicyDocument.Statement,
    );
    expect(ingest.flatMap((s: { Action: string[] }) => s.Action).filter((a: string) => !a.startsWith('logs:'))).toEqual(
      ['kinesis:PutRecords', 'ssm:GetParameter'],
    );
  });

  it('alarms on the tail sampler failing, falling behind and not reaching its backend', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('TailSampler'));
    expect(alarms.map(([, a]) => `${a.Properties.Namespace}/${a.Properties.MetricName}`).sort()).toEqual([
      'AWS/Lambda/Errors',
      'AWS/Lambda/IteratorAge',
      'hoptrace/ForwardFailures',
      'hoptrace/RefusedSpans',
      'hoptrace/SetAsideSpans',
    ]);
    for (const [, a] of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    for (const [, a] of alarms.filter(([, x]) => x.Properties.Namespace === 'AWS/Lambda'))
      expect(a.Properties.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: 'TailSamplerLambdaFunction' } }]);
  });

  it('bundles the tail sampler into a zip of its own', async () => {
    const { stdout } = await run('unzip', ['-l', join(out, 'tailSampler.zip')]);
    const files = stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/).at(-1))
      .filter((f) => f?.startsWith('handlers/'));
    expect(files).toEqual(['handlers/tail-sampler/handler.js', 'handlers/tail-sampler/handler.js.map']);
  });

  it('turns the tail sampler on, with its backend, when configured', async () => {
    const { template: sampling } = await packageStack('ci', {
      dir: join(out, 'sampling'),
      env: {
        HOPTRACE_TAIL_SAMPLING: 'true',
        HOPTRACE_FORWARD_ENDPOINT: 'http://jaeger.internal:4318/v1/traces',
        HOPTRACE_FORWARD_RETRY_S: '120',
      },
    });
    const on = sampling.Resources as Record<string, any>;
    expect(on.TailSamplerStreamMapping.Properties.Enabled).toBe(true);
    expect(on.TailSamplerLambdaFunction.Properties.Environment.Variables.HOPTRACE_FORWARD_ENDPOINT).toBe(
      'http://jaeger.internal:4318/v1/traces',
    );
    expect(on.TailSamplerLambdaFunction.Properties.Environment.Variables.HOPTRACE_FORWARD_RETRY_S).toBe('120');
  }, 120_000);

  it('gives the tail sampler its backend key from an SSM SecureString, never from the template', async () => {
    const { template: keyed } = await packageStack('ci', {
      dir: join(out, 'keyed'),
      env: { HOPTRACE_FORWARD_HEADERS: 'x-honeycomb-team=a-secret-key' },
    });
    expect(JSON.stringify(keyed)).not.toContain('a-secret-key');
    const variables = keyed.Resources.TailSamplerLambdaFunction!.Properties.Environment.Variables;
    expect(variables).not.toHaveProperty('HOPTRACE_FORWARD_HEADERS');
    expect(variables.HOPTRACE_FORWARD_HEADERS_PARAMETER).toBe('/hoptrace/ci/forward-headers');
    const statements = keyed.Resources.TailSamplerRole!.Properties.Policies.flatMap(
      (p: any) => p.PolicyDocument.Statement,
    );
    expect(statements.filter((s: { Action: string[] }) => s.Action.some((a) => a.startsWith('ssm:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter'],
        Resource: {
          'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/hoptrace/ci/forward-headers',
        },
      },
    ]);
  }, 120_000);
});

describe('serverless package: the front door answers what senders retry, and redeploys when it changes', () => {
  const gatewayResponses = (): Record<string, Record<string, any>> =>
    Object.fromEntries(
      ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => [r.Properties.ResponseType, r.Properties]),
    );

  it('answers throttling 429 and a function it cannot reach 503, both with Retry-After, instead of API Gateway’s 500', () => {
    const responses = gatewayResponses();
    for (const type of ['THROTTLED', 'QUOTA_EXCEEDED'])
      expect(responses[type]).toMatchObject({
        StatusCode: '429',
        ResponseParameters: { 'gatewayresponse.header.Retry-After': expect.stringMatching(/^'\d+'$/) },
      });
    expect(responses.DEFAULT_5XX).toMatchObject({
      StatusCode: '503',
      ResponseParameters: { 'gatewayresponse.header.Retry-After': "'2'" },
    });
    for (const r of Object.values(responses)) expect(r.RestApiId).toEqual({ Ref: 'IngestRestApi' });
  });

  it('answers a body past API Gateway’s limit 413, and any other path (such as /v1/metrics, /v1/logs) 404 saying traces only, not 403', () => {
    const responses = gatewayResponses();
    expect(responses.REQUEST_TOO_LARGE!.StatusCode).toBe('413');
    expect(responses.MISSING_AUTHENTICATION_TOKEN!.StatusCode).toBe('404');
    expect(JSON.parse(responses.MISSING_AUTHENTICATION_TOKEN!.ResponseTemplates['application/json']).message).toMatch(
      /traces only: POST \/v1\/traces.*OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/,
    );
  });

  it('gives every answer of its own a google.rpc.Status body (code, message), as OTLP/HTTP asks', () => {
    const codes: Record<string, number> = { '429': 8, '413': 8, '503': 14, '404': 5 };
    for (const r of Object.values(gatewayResponses())) {
      const body = JSON.parse(r.ResponseTemplates['application/json']);
      expect(Object.keys(body).sort()).toEqual(['code', 'message']);
      expect(body.code).toBe(codes[r.StatusCode]);
    }
  });

  it('names the deployment after a hash of the API definition, so that a change reaches the stage', () => {
    const deployments = ofType('AWS::ApiGateway::Deployment');
    expect(deployments).toHaveLength(1);
    const [[id, deployment]] = deployments as [[string, Resource]];
    expect(id).toMatch(/^IngestDeployment[0-9a-f]{12}$/);
    expect(resources.IngestStage!.Properties.DeploymentId).toEqual({ Ref: id });
    // Taken after every part it snapshots exists.
    const parts = Object.entries(resources)
      .filter(([, r]) => ['AWS::ApiGateway::Method', 'AWS::ApiGateway::GatewayResponse'].includes(r.Type))
      .map(([partId]) => partId);
    expect([...(deployment.DependsOn as string[])].sort()).toEqual(parts.sort());
    expect(template).not.toContain('"IngestDeployment"');
  });

  it('logs every request (access log) and the failures (execution log), to log groups that expire, through the account’s API Gateway role', () => {
    const stage = resources.IngestStage!;
    expect(stage.Properties.AccessLogSetting.DestinationArn).toEqual({ 'Fn::GetAtt': ['IngestAccessLogGroup', 'Arn'] });
    for (const field of ['status', 'responseType', 'integrationError'])
      expect(JSON.parse(stage.Properties.AccessLogSetting.Format)).toHaveProperty(field);
    expect(resources.IngestExecutionLogGroup!.Properties.LogGroupName).toEqual({
      'Fn::Sub': 'API-Gateway-Execution-Logs_${IngestRestApi}/ci',
    });
    for (const group of ['IngestAccessLogGroup', 'IngestExecutionLogGroup'])
      expect(resources[group]!.Properties.RetentionInDays).toBe(14);
    expect(stage.DependsOn).toEqual(['ApiGatewayAccount']);
    expect(resources.ApiGatewayAccount!.Properties.CloudWatchRoleArn).toEqual({
      'Fn::GetAtt': ['ApiGatewayLogsRole', 'Arn'],
    });
  });
});

describe('serverless package: transport, encryption, trust', () => {
  const statements = (doc: { Statement: any[] }) => doc.Statement;

  it('refuses plain HTTP on the span archive and the Athena results', () => {
    for (const bucket of ['SpanArchiveBucket', 'AthenaResultsBucket']) {
      const [[, policy]] = ofType('AWS::S3::BucketPolicy').filter(([, p]) => p.Properties.Bucket.Ref === bucket) as [
        [string, Resource],
      ];
      expect(statements(policy.Properties.PolicyDocument)).toContainEqual({
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [{ 'Fn::GetAtt': [bucket, 'Arn'] }, { 'Fn::Sub': `\${${bucket}.Arn}/*` }],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
  });

  it('encrypts the alarm topic under a rotated key CloudWatch may use, and refuses plain HTTP on it', () => {
    expect(resources.AlarmTopic!.Properties.KmsMasterKeyId).toEqual({ Ref: 'AlarmTopicKey' });
    const key = resources.AlarmTopicKey!.Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(statements(key.KeyPolicy)).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    const topicPolicy = resources.AlarmTopicPolicy!.Properties;
    expect(topicPolicy.Topics).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(statements(topicPolicy.PolicyDocument)).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('grants kms:Decrypt on * nowhere (the stream’s AWS managed key needs no grant)', () => {
    for (const [, role] of ofType('AWS::IAM::Role')) {
      for (const policy of role.Properties.Policies ?? []) {
        for (const s of statements(policy.PolicyDocument)) {
          if ([].concat(s.Action).some((a: string) => a.startsWith('kms:'))) expect(s.Resource).not.toBe('*');
        }
      }
    }
  });
});
