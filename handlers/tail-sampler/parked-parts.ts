/**
 * A trace's parked parts as one binary attribute of its `trace` item, not a list of maps: the
 * SDK serializes a list element by element, and the parked parts are rewritten with every part
 * parked (bench/tail-sampler.ts: most of the SDK's serialization time). Per part: the record
 * id's length (2 bytes) and the id, then either the gzipped record (a 0 byte, its length in
 * 4 bytes, the bytes) or the number of chunk items it is in (a 1 byte, the count in 4 bytes).
 */

export interface StoredPart {
  recordId: string;
  data?: Buffer | undefined;
  chunks?: number | undefined;
}

const INLINE = 0;
const CHUNKED = 1;

export function encodeParkedParts(parts: readonly StoredPart[]): Buffer {
  const ids = parts.map((p) => Buffer.from(p.recordId, 'utf8'));
  const size = parts.reduce((n, p, i) => n + 2 + ids[i]!.length + 5 + (p.data?.length ?? 0), 0);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  parts.forEach((part, i) => {
    at = out.writeUInt16BE(ids[i]!.length, at);
    at += ids[i]!.copy(out, at);
    if (part.data) {
      at = out.writeUInt8(INLINE, at);
      at = out.writeUInt32BE(part.data.length, at);
      at += part.data.copy(out, at);
    } else {
      at = out.writeUInt8(CHUNKED, at);
      at = out.writeUInt32BE(part.chunks ?? 0, at);
    }
  });
  return out;
}

/** The parts back; an attribute cut short or of another layout is refused, naming the trace. */
export function decodeParkedParts(blob: Uint8Array, traceId: string): StoredPart[] {
  const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const parts: StoredPart[] = [];
  const need = (at: number, bytes: number): void => {
    if (at + bytes <= data.length) return;
    throw new Error(`the parked parts of trace ${traceId} are cut short at byte ${at} of ${data.length}`);
  };
  for (let at = 0; at < data.length; ) {
    need(at, 2);
    const idLength = data.readUInt16BE(at);
    need(at + 2, idLength + 5);
    const recordId = data.toString('utf8', at + 2, at + 2 + idLength);
    at += 2 + idLength;
    const kind = data.readUInt8(at);
    const n = data.readUInt32BE(at + 1);
    at += 5;
    if (kind === CHUNKED) {
      parts.push({ recordId, chunks: n });
      continue;
    }
    if (kind !== INLINE) throw new Error(`the parked parts of trace ${traceId} hold a part of unknown kind ${kind}`);
    need(at, n);
    parts.push({ recordId, data: data.subarray(at, at + n) });
    at += n;
  }
  return parts;
}
