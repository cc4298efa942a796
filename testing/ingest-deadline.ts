import type { IngestDeadline } from '../handlers/ingest/answer-deadline';

/** A deadline `ms` from now for both the answer and Lambda's cut-off: the write gets no more than that. */
export function deadlineIn(ms: number): IngestDeadline {
  const now = Date.now();
  return { receivedAt: now, answerAt: now + ms, cutOffAt: now + ms };
}
