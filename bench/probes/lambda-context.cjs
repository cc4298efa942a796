// A Lambda context as the runtime builds it: the OpenTelemetry Lambda instrumentation reads
// every field.
module.exports = (awsRequestId) => ({
  awsRequestId,
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/bench',
  logStreamName: '2026/11/21/[$LATEST]bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30000,
});
