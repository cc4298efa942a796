// The multiwindow, multi-burn-rate alerts of the SRE workbook ("Alerting on SLOs"),
// for an SLO over 30 days. A burn rate of 1 spends the budget in exactly 30 days; each alert
// fires when both its windows burn at least `factor`: the long window says enough budget has
// gone, the short one that it is still going (and clears the alert soon after it stops).

export type Severity = 'page' | 'ticket';

export interface BurnAlert {
  severity: Severity;
  factor: number;
  longSeconds: number;
  shortSeconds: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const BURN_ALERTS: readonly BurnAlert[] = [
  // 2% of the budget in 1 h.
  { severity: 'page', factor: 14.4, longSeconds: HOUR, shortSeconds: 5 * MINUTE },
  // 5% in 6 h.
  { severity: 'page', factor: 6, longSeconds: 6 * HOUR, shortSeconds: 30 * MINUTE },
  // 10% in 3 days.
  { severity: 'ticket', factor: 1, longSeconds: 3 * DAY, shortSeconds: 6 * HOUR },
];

/** `5m`, `6h`, `3d`. */
export function windowLabel(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY}d`;
  if (seconds % HOUR === 0) return `${seconds / HOUR}h`;
  return `${seconds / MINUTE}m`;
}

/**
 * Refuses a window CloudWatch cannot alarm on. Each window is one period of one datapoint
 * (EvaluationPeriods 1), evaluated every minute over a sliding window: the period must be a
 * multiple of 60 s, and Period × EvaluationPeriods at most 1 day below an hour's period,
 * at most 7 days from an hour up (PutMetricAlarm).
 */
export function checkAlarmWindow(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds <= 0 || seconds % MINUTE !== 0)
    throw new Error(`an alarm window of ${seconds} s is not a multiple of 60 s`);
  const limit = seconds < HOUR ? DAY : 7 * DAY;
  if (seconds > limit)
    throw new Error(
      `an alarm window of ${windowLabel(seconds)} is past CloudWatch's ${windowLabel(limit)} for a period of that length`,
    );
}
