import { describe, expect, it } from 'vitest';
import { answerDeadline, streamDeadline } from '../../../../handlers/ingest/answer-deadline';

const config = { answerWithinMs: 350, deadlineMarginMs: 500, streamWindowMs: 250 };
const NOW = 1_800_000_000_000;
const answerAt = (stamp: unknown, remaining = 3000) => answerDeadline(stamp, NOW, remaining, config).answerAt;

describe('the ingest’s answer deadline', () => {
  it('runs from when API Gateway received the request, so a cold start’s init counts against it', () => {
    // The request arrived 300 ms ago; init took that long. 50 ms are left, not 350.
    expect(answerAt(NOW - 300)).toBe(NOW + 50);
  });

  it('has passed already when init took longer than the budget', () => {
    expect(answerAt(NOW - 600)).toBeLessThan(NOW);
  });

  it('runs from now without a stamp, with a stamp that is not a number, or one older than API Gateway could send', () => {
    for (const stamp of [undefined, null, '1800000000000', Number.NaN, NOW - 60_000])
      expect(answerAt(stamp)).toBe(NOW + 350);
  });

  it('never starts after now, when the front door’s clock runs ahead of Lambda’s', () => {
    expect(answerAt(NOW + 40)).toBe(NOW + 350);
  });

  it('keeps a margin before Lambda cuts the function off', () => {
    expect(answerDeadline(NOW, NOW, 700, config)).toEqual({
      receivedAt: NOW,
      answerAt: NOW + 200,
      cutOffAt: NOW + 200,
    });
    expect(answerDeadline(NOW, NOW, 3000, config).cutOffAt).toBe(NOW + 2500);
  });
});

describe('the stream write’s deadline: the answer deadline bounds waiting, not the ingest’s own work', () => {
  const deadline = answerDeadline(NOW, NOW, 3000, config);

  it('is the answer deadline when the request was decoded quickly', () => {
    expect(streamDeadline(deadline, NOW + 20, config)).toBe(NOW + 350);
  });

  it('gives the write its own window when decoding outlasted the answer window, so a large request that fits the limits still lands', () => {
    // The largest accepted request decodes in about 1.1 s at 512 MB's share of a core.
    expect(streamDeadline(deadline, NOW + 1100, config)).toBe(NOW + 1350);
  });

  it('gives the write its window when a cold start spent the answer window before the handler ran', () => {
    const cold = answerDeadline(NOW - 900, NOW, 3000, config);
    expect(streamDeadline(cold, NOW + 10, config)).toBe(NOW + 260);
  });

  it('still ends before Lambda cuts the function off', () => {
    expect(streamDeadline(deadline, NOW + 2400, config)).toBe(NOW + 2500);
    expect(streamDeadline(answerDeadline(NOW, NOW, 1200, config), NOW + 500, config)).toBe(NOW + 700);
  });
});
