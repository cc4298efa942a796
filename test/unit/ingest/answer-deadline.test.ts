import { describe, expect, it } from 'vitest';
import { answerDeadline } from '../../../handlers/ingest/answer-deadline';

const config = { answerWithinMs: 350, deadlineMarginMs: 500 };
const NOW = 1_800_000_000_000;

describe('the ingest’s answer deadline', () => {
  it('runs from when API Gateway received the request, so a cold start’s init counts against it', () => {
    // The request arrived 300 ms ago; init took that long. 50 ms are left, not 350.
    expect(answerDeadline(NOW - 300, NOW, 3000, config)).toBe(NOW + 50);
  });

  it('has passed already when init took longer than the budget: the ingest answers 503 at once, which the sender retries', () => {
    expect(answerDeadline(NOW - 600, NOW, 3000, config)).toBeLessThan(NOW);
  });

  it('runs from now without a stamp, with a stamp that is not a number, or one older than API Gateway could send', () => {
    for (const stamp of [undefined, null, '1800000000000', Number.NaN, NOW - 60_000]) expect(answerDeadline(stamp, NOW, 3000, config)).toBe(NOW + 350);
  });

  it('never starts after now, when the front door’s clock runs ahead of Lambda’s', () => {
    expect(answerDeadline(NOW + 40, NOW, 3000, config)).toBe(NOW + 350);
  });

  it('keeps a margin before Lambda cuts the function off', () => {
    expect(answerDeadline(NOW, NOW, 700, config)).toBe(NOW + 200);
  });
});
