import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, type LedgerRecord } from '../../../../handlers/tail-sampler/sli-ledger';

const hex = (n: number, chars: number): string => n.toString(16).padStart(chars, '0');

describe('SLI ledger entries as stored', () => {
  it('come back as they went, cut into chunks when large, each chunk with its own services', () => {
    const records: LedgerRecord[] = Array.from({ length: 4000 }, (_, i) => ({
      sequenceNumber: String(1000 + i),
      traceId: hex(i, 32),
      due: 1_900_000_060_000,
      spans: Array.from({ length: 3 }, (_, k) => ({
        spanId: hex(i * 3 + k, 16),
        service: k === 0 ? 'api' : `worker-${i % 7}`,
        parent: k === 0 ? undefined : hex(i * 3, 16),
        error: k === 1 && i % 5 === 0,
        provisional: k === 2 && i % 11 === 0,
        latencyMs: i % 13 === 0 ? undefined : i + k,
      })),
    }));
    const chunks = encodeEntry({ n: 1, at: 1_900_000_000_000, records });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(350 * 1024);
    expect(decodeEntry(chunks)).toEqual(records);
  });

  it('store an entry with no records as one chunk', () => {
    const chunks = encodeEntry({ n: 2, at: 0, records: [] });
    expect(chunks).toHaveLength(1);
    expect(decodeEntry(chunks)).toEqual([]);
  });
});
