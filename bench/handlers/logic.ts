/** The handler logic every variant shares, so only the tracing differs. */
export async function work(event: { id?: string }): Promise<{ statusCode: number; body: string }> {
  const items = Array.from({ length: 10 }, (_, i) => ({ id: `${event.id ?? 'x'}-${i}` }));
  return { statusCode: 200, body: JSON.stringify(items) };
}
