import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readIngestConfig } from '../../handlers/ingest/config';
import { ingest } from '../../handlers/ingest/ingest';
import { deadlineIn } from '../../testing/ingest-deadline';
import type { PutRecords } from '../../handlers/ingest/kinesis-writer';
import { readTenantKeys, TenantKeyCache } from '../../handlers/ingest/tenant-keys';
import { advanceWallClock } from '../helpers/clock';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';
import { startSsmEndpoint, type SsmEndpoint } from '../../testing/ssm-endpoint';

const PARAMETER = '/hoptrace/test/ingest-keys';
const OLD_KEY = 'checkout-key-0123456789';
const NEW_KEY = 'search-key-0123456789';
const RECHECK_MS = 30_000;
const REFRESH_MS = 300_000;
let ssm: SsmEndpoint;
let errors: string[];

const storeKeys = (keys: Record<string, string[]>): void =>
  ssm.put(PARAMETER, { type: 'SecureString', value: JSON.stringify(keys) });
const reads = (): number => ssm.reads.get(PARAMETER) ?? 0;

beforeEach(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
  ssm = await startSsmEndpoint({});
  storeKeys({ checkout: [OLD_KEY] });
  errors = [];
  vi.spyOn(console, 'error').mockImplementation((line: string) => errors.push(line));
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await ssm.close();
});

/** The ingest as handler.ts builds it, keys read by the AWS SDK's SSMClient from the local SSM. */
function sandbox() {
  const config = readIngestConfig({
    HOPTRACE_STREAM_NAME: 'spans',
    HOPTRACE_INGEST_KEYS_PARAMETER: PARAMETER,
    HOPTRACE_SSM_ENDPOINT: ssm.url,
  });
  const keys = new TenantKeyCache(() => readTenantKeys(config, PARAMETER), config);
  const accept: PutRecords = async ({ Records }) => ({ FailedRecordCount: 0, Records: Records.map(() => ({})) });
  const send = (key: string) => {
    const event = {
      requestContext: { http: { method: 'POST' } },
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify(exportRequest([otlpSpan()])),
    };
    return ingest(event, config, accept, deadlineIn(config.answerWithinMs), keys);
  };
  return { config, keys, send, status: async (key: string) => (await send(key)).statusCode };
}

describe('the ingest reads its tenant keys again from SSM', () => {
  it('runs on 30 s and 5 minutes by default, overridable', () => {
    const { config } = sandbox();
    expect(config).toMatchObject({ keysRecheckMs: RECHECK_MS, keysRefreshMs: REFRESH_MS });
    const tuned = readIngestConfig({
      HOPTRACE_STREAM_NAME: 's',
      HOPTRACE_INGEST_KEYS_PARAMETER: '/k',
      HOPTRACE_INGEST_KEYS_RECHECK_MS: '5000',
      HOPTRACE_INGEST_KEYS_REFRESH_MS: '60000',
    });
    expect(tuned).toMatchObject({ keysRecheckMs: 5000, keysRefreshMs: 60_000 });
    expect(() =>
      readIngestConfig({
        HOPTRACE_STREAM_NAME: 's',
        HOPTRACE_INGEST_KEYS_PARAMETER: '/k',
        HOPTRACE_INGEST_KEYS_REFRESH_MS: 'often',
      }),
    ).toThrow(/HOPTRACE_INGEST_KEYS_REFRESH_MS="often" must be a positive number/);
  });

  it('accepts a key added after the cold start once the recheck interval has passed, reading at most once per interval', async () => {
    const { status } = sandbox();
    expect(await status(OLD_KEY)).toBe(200);
    storeKeys({ checkout: [OLD_KEY], search: [NEW_KEY] });
    // Read a moment ago: wrong keys cannot make the sandbox read again and again.
    expect(await status(NEW_KEY)).toBe(401);
    expect(await status('wrong-key-0123456789')).toBe(401);
    expect(reads()).toBe(1);
    advanceWallClock(RECHECK_MS);
    expect(await status(NEW_KEY)).toBe(200);
    expect(reads()).toBe(2);
    expect(await status(OLD_KEY)).toBe(200);
    expect(await status('wrong-key-0123456789')).toBe(401);
    expect(reads()).toBe(2);
  });

  it('shares one read among the requests that wait for it', async () => {
    const { keys, status } = sandbox();
    keys.prefetch();
    expect(await Promise.all([status(OLD_KEY), status(OLD_KEY), status(OLD_KEY)])).toEqual([200, 200, 200]);
    expect(reads()).toBe(1);
  });

  it('stops accepting a revoked key at the periodic refresh', async () => {
    const { status } = sandbox();
    expect(await status(OLD_KEY)).toBe(200);
    storeKeys({ search: [NEW_KEY] });
    advanceWallClock(REFRESH_MS / 2);
    expect(await status(OLD_KEY)).toBe(200);
    expect(reads()).toBe(1);
    advanceWallClock(REFRESH_MS / 2);
    expect(await status(OLD_KEY)).toBe(401);
    expect(reads()).toBe(2);
    expect(await status(NEW_KEY)).toBe(200);
  });

  it('answers 503 with Retry-After, before SSM answers, when SSM hangs at the cold start', async () => {
    ssm.fault = 'hang';
    const { send } = sandbox();
    const response = await send(OLD_KEY);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    // The answer came while SSM still held the read: the deadline, not SSM, ended the wait.
    expect(ssm.held).toBe(1);
    expect(errors.some((line) => line.includes('the API key could not be checked'))).toBe(true);
  });

  it('gives up a read SSM never answers, so a later request reads again rather than wait on it', async () => {
    ssm.fault = 'hang';
    const { status } = sandbox();
    expect(await status(OLD_KEY)).toBe(503);
    expect(ssm.held).toBe(1);
    // The read's own timeout ends the call SSM holds.
    await vi.waitFor(() => expect(ssm.held).toBe(0), { timeout: 10_000, interval: 100 });
    ssm.fault = undefined;
    expect(await status(OLD_KEY)).toBe(200);
  });

  it('answers 503 at the refresh, before SSM answers, when SSM hangs then', async () => {
    const { send, status } = sandbox();
    expect(await status(OLD_KEY)).toBe(200);
    ssm.fault = 'hang';
    advanceWallClock(REFRESH_MS);
    const response = await send(OLD_KEY);
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
    expect(ssm.held).toBe(1);
  });

  it('keeps the last keys read when a refresh fails, says so in the log, and answers 503 rather than 401 to a key it could not check', async () => {
    const { status } = sandbox();
    expect(await status(OLD_KEY)).toBe(200);
    ssm.fault = 'fail';
    storeKeys({ checkout: [OLD_KEY], search: [NEW_KEY] });
    advanceWallClock(REFRESH_MS);
    expect(await status(OLD_KEY)).toBe(200);
    expect(
      errors.some(
        (line) =>
          line.includes('could not be read again; keeping the last ones read') && line.includes('InternalServerError'),
      ),
    ).toBe(true);
    // NEW_KEY may have been added since: not known to be wrong, so retryable.
    expect(await status(NEW_KEY)).toBe(503);
    ssm.fault = undefined;
    advanceWallClock(RECHECK_MS);
    expect(await status(NEW_KEY)).toBe(200);
  });

  it('answers 503 while the keys have never been read, and reads them on the next request', async () => {
    ssm.fault = 'fail';
    const { status } = sandbox();
    expect(await status(OLD_KEY)).toBe(503);
    ssm.fault = undefined;
    expect(await status(OLD_KEY)).toBe(200);
  });

  it('answers 401 to a request without a key without reading the keys', async () => {
    const { status } = sandbox();
    expect(await status('')).toBe(401);
    expect(reads()).toBe(0);
  });
});
