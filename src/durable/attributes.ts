/**
 * The attributes `hoptrace/durable` sets; the execution's ARN is on every span it records.
 *
 * @example
 * ```typescript
 * import { DURABLE_ATTRIBUTES } from 'hoptrace/durable';
 *
 * const query = `{ span.${DURABLE_ATTRIBUTES.executionArn} = "${executionArn}" }`;
 * ```
 */
export const DURABLE_ATTRIBUTES = {
  executionArn: 'hoptrace.durable.execution_arn',
  firstInvocation: 'hoptrace.durable.first_invocation',
  replayedOperations: 'hoptrace.durable.replayed_operations',
  operationId: 'hoptrace.durable.operation_id',
  operationType: 'hoptrace.durable.operation_type',
  operationSubtype: 'hoptrace.durable.operation_subtype',
  attempt: 'hoptrace.durable.attempt',
  status: 'hoptrace.durable.status',
} as const;
