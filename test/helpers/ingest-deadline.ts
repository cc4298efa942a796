import type { IngestDeadline } from '../../handlers/ingest/answer-deadline';

/** A deadline `ms` from now for both the answer and Lambda's cut-off: the write gets no more than that. */
export function deadlineIn(ms: number): IngestDeadline {
  const at = Date.now() + ms;
  return { answerAt: at, cutOffAt: at };
}
