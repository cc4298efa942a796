// Variables more than one handler reads, each with one meaning: defined once, re-exported by
// each handler's env module so that its section of docs/environment-variables.md lists them.
import { variable } from '../src/config/env';
import { text } from '../src/config/parsers';

/** The region the AWS clients call. Lambda sets it. */
export const region = variable(['AWS_REGION'], text, 'us-east-1');

/**
 * Where the Kinesis API is (kinesalite in tests).
 * @default the region's
 */
export const kinesisEndpoint = variable(['HOPTRACE_KINESIS_ENDPOINT'], text, undefined);

/**
 * Where the SSM API is (a local one in tests).
 * @default the region's
 */
export const ssmEndpoint = variable(['HOPTRACE_SSM_ENDPOINT'], text, undefined);

/** Namespace of the embedded metrics the ingest and the tail sampler write. */
export const metricsNamespace = variable(['HOPTRACE_METRICS_NAMESPACE'], text, 'hoptrace');
