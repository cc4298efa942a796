/** One JSON line on the function's log, for CloudWatch Logs Insights. */
export function log(level: 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  console[level](JSON.stringify({ level, message, ...fields }));
}
