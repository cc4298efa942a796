/**
 * The whole members within the first `limit` characters of a comma-separated header
 * (baggage, tracestate): a member the limit would cut is dropped whole, never forwarded
 * shortened, as W3C requires.
 */
export function wholeMembersWithin(header: string, limit: number): string {
  if (header.length <= limit) return header;
  const cut = header.lastIndexOf(',', limit);
  return cut < 0 ? '' : header.slice(0, cut);
}
