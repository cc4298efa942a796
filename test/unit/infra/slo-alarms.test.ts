import { describe, expect, it } from 'vitest';
import { BURN_ALERTS, checkAlarmWindow } from '../../../infra/observability/burn-alerts';
import { observabilityResources } from '../../../infra/observability/resources';
import {
  evaluateExpression,
  metricKey,
  simulateAlarms,
  type AlarmState,
  type Series,
} from '../../helpers/cloudwatch-alarms';
import type { Resource } from '../../helpers/packaged-template';

const CHECKOUT = [
  { Name: 'service', Value: 'checkout' },
  { Name: 'operation', Value: 'POST /orders' },
];
const REQUESTS = metricKey('Requests', CHECKOUT);
const ERRORS = metricKey('Errors', CHECKOUT);
const DURATION = metricKey('Duration', CHECKOUT);

function resources(slos: unknown): Record<string, Resource> {
  return observabilityResources({
    slos,
    metricsNamespace: 'hoptrace',
    errorLogGroups: '/aws/lambda/checkout',
  }) as Record<string, Resource>;
}

const AVAILABILITY = resources([{ service: 'checkout', operation: 'POST /orders', availability: 0.999 }]);
const PAGE = 'SloCheckoutPOSTOrdersAvailabilityPage';
const TICKET = 'SloCheckoutPOSTOrdersAvailabilityTicket';

// Three days of clean traffic first, so that every window, the 3-day one too, is full.
const HISTORY = 3 * 24 * 60;
const PER_MINUTE = 10_000;

/** Clean traffic, then `incident` minutes failing at `errorRatio`, then clean again until `minutes` after the incident's start. */
function availabilitySeries(errorRatio: number, incident: number, minutes: number): Series {
  return Array.from({ length: HISTORY + minutes }, (_, m) => {
    const failing = m >= HISTORY && m < HISTORY + incident;
    return { [REQUESTS]: PER_MINUTE, [ERRORS]: failing ? Math.round(PER_MINUTE * errorRatio) : 0 };
  });
}

/** Minutes of incident data after which the alarm first is in ALARM; undefined: never. */
function firesAfter(states: AlarmState[]): number | undefined {
  const at = states.findIndex((s, m) => m >= HISTORY && s === 'ALARM');
  return at < 0 ? undefined : at - HISTORY + 1;
}

/** Minutes after the incident's last bad minute at which the alarm is OK again. */
function clearsAfter(states: AlarmState[], incident: number): number | undefined {
  const last = HISTORY + incident - 1;
  const at = states.findIndex((s, m) => m > last && s === 'OK');
  return at < 0 ? undefined : at - last;
}

describe('the SLO burn-rate alarms, evaluated as CloudWatch would on synthetic metrics (99.9% availability)', () => {
  it('are, per SLI, one silent metric-math alarm per window and a notifying composite per severity', () => {
    const types = Object.entries(AVAILABILITY).filter(([id]) => id.startsWith('Slo'));
    expect(types.map(([id, r]) => `${id} ${r.Type.split('::')[2]}`).sort()).toEqual(
      [
        `${PAGE} CompositeAlarm`,
        `${PAGE}1h Alarm`,
        `${PAGE}30m Alarm`,
        `${PAGE}5m Alarm`,
        `${PAGE}6h Alarm`,
        `${TICKET} CompositeAlarm`,
        `${TICKET}3d Alarm`,
        `${TICKET}6h Alarm`,
      ].sort(),
    );
    for (const [, r] of types) {
      if (r.Type === 'AWS::CloudWatch::Alarm') expect(r.Properties).not.toHaveProperty('AlarmActions');
      else
        expect(r.Properties).toMatchObject({
          AlarmActions: [{ Ref: 'AlarmTopic' }],
          OKActions: [{ Ref: 'AlarmTopic' }],
        });
    }
    const summary = (id: string) => {
      const { Threshold, Metrics } = AVAILABILITY[id]!.Properties;
      return [
        Threshold,
        ...Metrics.map(
          (m: any) => m.Expression ?? `${m.MetricStat.Metric.MetricName} ${m.MetricStat.Stat} ${m.MetricStat.Period}`,
        ),
      ];
    };
    expect(summary(`${PAGE}1h`)).toEqual([
      14.4,
      'Errors Sum 3600',
      'Requests Sum 3600',
      'IF(total > 0, bad / total, 0) / 0.001',
    ]);
    expect(summary(`${TICKET}3d`)).toEqual([
      1,
      'Errors Sum 259200',
      'Requests Sum 259200',
      'IF(total > 0, bad / total, 0) / 0.001',
    ]);
    expect(AVAILABILITY[`${TICKET}3d`]!.Properties.Metrics[0].MetricStat.Metric).toEqual({
      Namespace: 'hoptrace',
      MetricName: 'Errors',
      Dimensions: CHECKOUT,
    });
  });

  // Time to detect, from the workbook: window × factor × (1 − SLO) / error ratio, for each
  // window of an alert; the alert fires once both windows have, at the first whole minute of
  // data (CloudWatch's resolution here). 1 h × 14.4 × 0.001 = 0.864 min, 6 h × 6 × 0.001 =
  // 2.16 min, 3 d × 1 × 0.001 = 4.32 min at 100% errors; the short windows take 1/12 of that.
  it.each([
    {
      case: '100% errors: the 1 h / 5 min page within the first minute (0.864 min), the ticket after 4.32 min',
      errorRatio: 1,
      incident: 60,
      page: 1,
      ticket: 5,
    },
    {
      case: '2.5% errors (25x): page after 34.56 min (1 h window), ticket after 172.8 min',
      errorRatio: 0.025,
      incident: 240,
      page: 35,
      ticket: 173,
    },
    {
      case: '1.1% errors (11x, under 14.4): only the 6 h / 30 min page, after 196.4 min; ticket after 392.7 min',
      errorRatio: 0.011,
      incident: 480,
      page: 197,
      ticket: 393,
    },
    {
      case: '0.17% errors (1.7x): no page; ticket after 2541.2 min (3 d window)',
      errorRatio: 0.0017,
      incident: 2600,
      page: undefined,
      ticket: 2542,
    },
    {
      case: '0.09% errors (under budget): nothing, even after 3 days',
      errorRatio: 0.0009,
      incident: HISTORY,
      page: undefined,
      ticket: undefined,
    },
  ])('$case', ({ errorRatio, incident, page, ticket }) => {
    const states = simulateAlarms(AVAILABILITY, availabilitySeries(errorRatio, incident, incident));
    expect(firesAfter(states[PAGE]!)).toBe(page);
    expect(firesAfter(states[TICKET]!)).toBe(ticket);
  });

  it('clears the 1 h / 5 min alert 5 minutes after a 100% outage ends, the page once the 30 min window is clean, the ticket after 6 h', () => {
    const incident = 10;
    const states = simulateAlarms(AVAILABILITY, availabilitySeries(1, incident, 24 * 60));
    // The 1 h window still burns at 10/60/0.001 = 167x: its short window clears it.
    expect(clearsAfter(states[`${PAGE}5m`]!, incident)).toBe(5);
    expect(states[`${PAGE}1h`]![HISTORY + incident + 5]).toBe('ALARM');
    // 10 bad minutes in 6 h burn 27.8x: the 6 h / 30 min alert holds the page for 30 minutes.
    expect(firesAfter(states[PAGE]!)).toBe(1);
    expect(clearsAfter(states[PAGE]!, incident)).toBe(30);
    expect(firesAfter(states[TICKET]!)).toBe(5);
    expect(clearsAfter(states[TICKET]!, incident)).toBe(360);
    // And nothing fires again.
    expect(states[PAGE]!.slice(HISTORY + incident + 30)).not.toContain('ALARM');
  });

  it('neither fires nor fails without traffic (no datapoint is not breaching), nor on traffic without errors', () => {
    const quiet: Series = Array.from({ length: HISTORY }, () => ({}));
    expect(simulateAlarms(AVAILABILITY, quiet)[PAGE]).not.toContain('ALARM');
    const clean = simulateAlarms(AVAILABILITY, availabilitySeries(0, 60, 60));
    for (const states of Object.values(clean)) expect(states).not.toContain('ALARM');
  });
});

describe('the latency SLI: requests over the threshold, TC(threshold:), against the SampleCount of Duration', () => {
  const LATENCY = resources([
    { service: 'checkout', operation: 'POST /orders', latency: { thresholdMs: 300, objective: 0.999 } },
  ]);
  const series = (slowMs: number, slowRatio: number): Series =>
    Array.from({ length: HISTORY + 60 }, (_, m) => {
      const slow = m >= HISTORY ? Math.round(PER_MINUTE * slowRatio) : 0;
      return {
        [DURATION]: [[120, PER_MINUTE - slow], ...(slow > 0 ? ([[slowMs, slow]] as Array<[number, number]>) : [])],
      };
    });

  it('uses the trimmed count over the threshold, whose lower bound is exclusive', () => {
    const props = LATENCY.SloCheckoutPOSTOrdersLatencyPage5m!.Properties;
    expect(
      props.Metrics.map(
        (m: { MetricStat?: { Stat: string; Metric: { MetricName: string } } }) =>
          m.MetricStat && `${m.MetricStat.Metric.MetricName} ${m.MetricStat.Stat}`,
      ),
    ).toEqual(['Duration TC(300:)', 'Duration SampleCount', undefined]);
  });

  it('pages within the first minute when every request takes 310 ms, and never when they take exactly 300 ms', () => {
    expect(firesAfter(simulateAlarms(LATENCY, series(310, 1)).SloCheckoutPOSTOrdersLatencyPage!)).toBe(1);
    expect(simulateAlarms(LATENCY, series(300, 1)).SloCheckoutPOSTOrdersLatencyPage).not.toContain('ALARM');
  });

  it('pages after 34.56 min when 2.5% of requests are slow, as availability does at 2.5% errors', () => {
    expect(firesAfter(simulateAlarms(LATENCY, series(2000, 0.025)).SloCheckoutPOSTOrdersLatencyPage!)).toBe(35);
  });
});

describe('the alert windows', () => {
  it('are the workbook’s: 14.4x over 1 h and 5 min, 6x over 6 h and 30 min (pages), 1x over 3 d and 6 h (ticket)', () => {
    expect(BURN_ALERTS.map((a) => [a.severity, a.factor, a.longSeconds / 60, a.shortSeconds / 60])).toEqual([
      ['page', 14.4, 60, 5],
      ['page', 6, 360, 30],
      ['ticket', 1, 4320, 360],
    ]);
  });

  it('fit CloudWatch: a period of a minute multiple, up to 1 day under an hour and 7 days from an hour', () => {
    for (const alert of BURN_ALERTS)
      for (const seconds of [alert.longSeconds, alert.shortSeconds])
        expect(() => checkAlarmWindow(seconds)).not.toThrow();
    expect(() => checkAlarmWindow(90)).toThrow(/not a multiple of 60 s/);
    expect(() => checkAlarmWindow(8 * 86_400)).toThrow(/past CloudWatch's 7d/);
    expect(() => checkAlarmWindow(7 * 86_400)).not.toThrow();
  });
});

describe('the metric-math stand-in', () => {
  it('computes what CloudWatch would, comparisons as 1 or 0', () => {
    expect(evaluateExpression('IF(total > 0, bad / total, 0) / 0.001', { bad: 5, total: 1000 })).toBeCloseTo(5);
    expect(evaluateExpression('IF(total > 0, bad / total, 0) / 0.001', { bad: 0, total: 0 })).toBe(0);
    expect(evaluateExpression('1 - 2 * 3 + (4 - 1) / 3', {})).toBe(-4);
    expect(() => evaluateExpression('FILL(m, 0)', { m: 1 })).toThrow(/not simulated/);
  });
});
