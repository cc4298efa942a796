import { Progress } from '../progress';
import { parseExportRequest, StreamRecordError } from '../../../src/otlp/stream-record';
import { recordText, splitRequests } from '../sources/decode';
import type { Source } from '../sources/source';
import type { SpanStore } from './span-store';

function addText(store: SpanStore, text: string, origin: string | undefined): void {
  try {
    store.add(parseExportRequest(text), origin);
  } catch (error) {
    if (!(error instanceof StreamRecordError)) throw error;
    store.skipRecord(error.message, origin);
  }
}

/** Each request of a line-per-request text with its line number (blank lines count, as an editor shows them). */
function* numbered(text: string, requests: readonly string[]): Generator<[string, number]> {
  let at = 0;
  let line = 1;
  for (const request of requests) {
    const found = text.indexOf(request, at);
    for (let i = text.indexOf('\n', at); i !== -1 && i < found; i = text.indexOf('\n', i + 1)) line++;
    yield [request, line];
    at = found;
  }
}

/** Reads every record of a source into the store; bad records are counted and skipped, the first one's origin kept. */
export async function readInto(source: Source, store: SpanStore, progress = new Progress()): Promise<void> {
  try {
    for await (const record of source.records()) {
      const { origin } = record;
      if (record.line !== undefined) addText(store, record.line, origin);
      else {
        let text: string;
        try {
          text = recordText(record.data);
        } catch (error) {
          if (!(error instanceof StreamRecordError)) throw error;
          store.skipRecord(error.message, origin);
          continue;
        }
        const requests = splitRequests(text);
        if (requests.length === 1) addText(store, requests[0]!, origin);
        else
          for (const [request, line] of numbered(text, requests))
            addText(store, request, origin === undefined ? `line ${line}` : `${origin} line ${line}`);
      }
      progress.update(store.counts, store.traces.size);
    }
  } finally {
    progress.done();
  }
}
