/**
 * What one request may hold, counted before the work it costs is done: the body's size alone
 * does not bound that work (a 5 KB gzip body inflates to 5 MiB of two-byte empty spans).
 */
export interface RequestLimits {
  /** Spans in the request, counted before any is validated. */
  maxSpans: number;
  /**
   * Messages of any kind (resource spans, scope spans, spans, key-values, values, events,
   * links, statuses): protobuf messages as the reader opens them, JSON objects and arrays
   * before `JSON.parse` builds them.
   */
  maxItems: number;
  /** Distinct trace ids (each becomes at least one stream record), counted before validation. */
  maxTraces: number;
}

// A 5 MiB body of spans shaped like a real Lambda's holds ~13,500 spans and ~200,000
// messages in protobuf (~6,300 and ~95,000 in JSON): these leave room for that and bound the
// worst request within them (bench/ingest-worst.ts, docs/pipeline/ingest.md, "The worst request").
export const DEFAULT_REQUEST_LIMITS: RequestLimits = { maxSpans: 25_000, maxItems: 250_000, maxTraces: 2000 };

/** A request that holds more than a limit allows; the ingest answers 413. */
export class RequestLimitError extends Error {
  override readonly name = 'RequestLimitError';
}

/** Counts what a request holds as a decoder opens it, and refuses once a limit is passed. */
export class WorkBudget {
  private items = 0;
  private spans = 0;

  constructor(private readonly limits: RequestLimits) {}

  item(): void {
    if (++this.items > this.limits.maxItems)
      throw new RequestLimitError(
        `the request holds more than ${this.limits.maxItems} messages (spans, attributes, events, ...)`,
      );
  }

  span(): void {
    this.item();
    if (++this.spans > this.limits.maxSpans)
      throw new RequestLimitError(`the request holds more than ${this.limits.maxSpans} spans`);
  }
}

/** How many times `char` occurs in `text`, counted up to one past `most`. */
function occurrences(text: string, char: string, most: number): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1 && n <= most; i = text.indexOf(char, i + 1)) n++;
  return n;
}

/**
 * Checks that a JSON text holds at most `maxItems` objects and at most `maxItems` arrays,
 * without building any. What is not valid JSON is left for `JSON.parse` to refuse.
 */
export function checkJsonItems(text: string, maxItems: number): void {
  // Each object or array opens with a bracket: when the brackets anywhere, strings included,
  // are within the limit, so are the items, and the character-by-character count below is not
  // needed. `indexOf` counts them in an eighth of its time (a request of 1,000 spans: 0.12 ms
  // against 1 ms, beside JSON.parse's 1.7 ms).
  if (occurrences(text, '{', maxItems) <= maxItems && occurrences(text, '[', maxItems) <= maxItems) return;
  // Over it: the exact count, in one pass over the characters, strings skipped.
  let objects = 0;
  let arrays = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: up to the first quote not escaped (a backslash escapes the next character).
      for (i++; i < length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b) {
      if (++objects > maxItems)
        throw new RequestLimitError(`the request holds more than ${maxItems} objects (spans, attributes, events, ...)`);
    } else if (c === 0x5b) {
      if (++arrays > maxItems) throw new RequestLimitError(`the request holds more than ${maxItems} arrays`);
    }
  }
}
