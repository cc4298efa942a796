import type { LambdaContext } from '../../src/wrapper/lambda-context';

let counter = 0;

/** A Lambda context as the runtime builds it, with a real deadline. */
export function lambdaContext(overrides: Partial<LambdaContext> & { timeoutMs?: number } = {}): LambdaContext {
  const deadline = Date.now() + (overrides.timeoutMs ?? 30_000);
  counter++;
  return {
    awsRequestId: `req-${counter}`,
    functionName: 'orders',
    functionVersion: '7',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:orders:live',
    memoryLimitInMB: '512',
    logStreamName: '2026/11/21/[7]abc',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    ...overrides,
  };
}

export function httpApiEvent(
  headers: Record<string, string> = {},
  routeKey = 'GET /items/{id}',
): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey,
    rawPath: '/items/42',
    rawQueryString: '',
    headers: { 'user-agent': 'curl/8', host: 'abc.execute-api.eu-west-1.amazonaws.com', ...headers },
    requestContext: {
      apiId: 'abc',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      http: { method: 'GET', path: '/items/42', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'curl/8' },
      requestId: 'r1',
      routeKey,
      stage: '$default',
    },
    isBase64Encoded: false,
  };
}

export const VALID_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
export const PARENT_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const PARENT_SPAN_ID = 'b7ad6b7169203331';
