import { Progress } from '../progress';
import { parseExportRequest, StreamRecordError } from '../../../src/otlp/stream-record';
import { recordText, splitRequests } from '../sources/decode';
import type { Source } from '../sources/source';
import type { SpanStore } from './span-store';

function addText(store: SpanStore, text: string): void {
  try {
    store.add(parseExportRequest(text));
  } catch (error) {
    if (!(error instanceof StreamRecordError)) throw error;
    store.skipRecord(error.message);
  }
}

/** Reads every record of a source into the store; bad records are counted and skipped. */
export async function readInto(source: Source, store: SpanStore, progress = new Progress()): Promise<void> {
  try {
    for await (const record of source.records()) {
      if (record.line !== undefined) addText(store, record.line);
      else {
        let text: string;
        try {
          text = recordText(record.data);
        } catch (error) {
          if (!(error instanceof StreamRecordError)) throw error;
          store.skipRecord(error.message);
          continue;
        }
        for (const request of splitRequests(text)) addText(store, request);
      }
      progress.update(store.counts, store.traces.size);
    }
  } finally {
    progress.done();
  }
}
