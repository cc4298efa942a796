import type { OtlpExportRequest, OtlpSpan } from '../../src/otlp/types';
import { spansOf } from './parts';

/**
 * The unit the tail sampler forwards and marks sent: a whole record, or a slice of a record
 * too large for one request. The same record always gives the same pieces, so a redelivery
 * finds each piece's sent marker and sends only what did not go.
 */
export interface Piece {
  traceId: string;
  /** Its sent marker: the record id for a whole record, `recordId#k` for its k-th slice. */
  key: string;
  request: OtlpExportRequest;
  /** Size of the request as OTLP JSON. */
  jsonBytes: number;
}

type ResourceSpans = OtlpExportRequest['resourceSpans'][number];
type ScopeSpans = ResourceSpans['scopeSpans'][number];

const jsonSize = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/** The slice's spans back in their resource and scope, as an export request. */
function assemble(spans: ReadonlyArray<{ rs: ResourceSpans; ss: ScopeSpans; span: OtlpSpan }>): OtlpExportRequest {
  const resources = new Map<ResourceSpans, Map<ScopeSpans, OtlpSpan[]>>();
  for (const { rs, ss, span } of spans) {
    let scopes = resources.get(rs);
    if (!scopes) resources.set(rs, (scopes = new Map()));
    let list = scopes.get(ss);
    if (!list) scopes.set(ss, (list = []));
    list.push(span);
  }
  return {
    resourceSpans: [...resources].map(([rs, scopes]) => ({
      ...rs,
      scopeSpans: [...scopes].map(([ss, list]) => ({ ...ss, spans: list })),
    })),
  };
}

/**
 * A record's spans as pieces of at most `maxBytes` of JSON each, in order, with room for
 * `spanOverhead` more bytes per span (what the caller adds before sending). A span whose
 * piece alone is over the bound is a piece of its own, over the bound: the caller sets it aside.
 */
export function piecesOf(
  traceId: string,
  recordId: string,
  request: OtlpExportRequest,
  jsonBytes: number,
  maxBytes: number,
  spanOverhead = 0,
): Piece[] {
  if (jsonBytes + spansOf(request).length * spanOverhead <= maxBytes)
    return [{ traceId, key: recordId, request, jsonBytes }];
  const slices: Array<Array<{ rs: ResourceSpans; ss: ScopeSpans; span: OtlpSpan }>> = [];
  let current: Array<{ rs: ResourceSpans; ss: ScopeSpans; span: OtlpSpan }> = [];
  let bytes = 0;
  const envelopes = new Set<ScopeSpans>();
  for (const rs of request.resourceSpans) {
    const resourceBytes = jsonSize({ ...rs, scopeSpans: [] });
    for (const ss of rs.scopeSpans) {
      // A scope's envelope (its resource and scope) is counted once in each slice it appears in.
      const envelopeBytes = resourceBytes + jsonSize({ ...ss, spans: [] });
      for (const span of ss.spans) {
        const spanBytes = jsonSize(span) + 1 + spanOverhead + (envelopes.has(ss) ? 0 : envelopeBytes);
        if (current.length > 0 && bytes + spanBytes > maxBytes) {
          slices.push(current);
          current = [];
          bytes = 0;
          envelopes.clear();
        }
        if (!envelopes.has(ss)) {
          envelopes.add(ss);
          bytes += envelopeBytes;
        }
        current.push({ rs, ss, span });
        bytes += jsonSize(span) + 1 + spanOverhead;
      }
    }
  }
  if (current.length > 0) slices.push(current);
  return slices.map((slice, k) => {
    const piece = assemble(slice);
    return { traceId, key: `${recordId}#${k}`, request: piece, jsonBytes: jsonSize(piece) };
  });
}
