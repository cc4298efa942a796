import { sloId, type Slo } from './slos';

export type SliKind = 'availability' | 'latency';

/** One statistic of one metric of the namespace. */
export interface MetricStatistic {
  metricName: string;
  stat: string;
}

/** What an SLO counts: bad and total requests, and the objective they are held to. */
export interface Sli {
  slo: Slo;
  kind: SliKind;
  /** `CheckoutOrdersAvailability`: the stem of its resources' logical ids. */
  id: string;
  objective: number;
  bad: MetricStatistic;
  total: MetricStatistic;
  dimensions: Array<{ Name: string; Value: string }>;
}

/**
 * The SLIs of an SLO, from the tail sampler's RED metrics (all spans, before sampling):
 * availability from Errors and Requests; latency from the Duration distribution, bad being
 * the requests over the threshold, `TC(threshold:)` (trimmed count, lower bound exclusive),
 * against its SampleCount.
 */
export function slisOf(slo: Slo): Sli[] {
  const dimensions = [
    { Name: 'service', Value: slo.service },
    ...(slo.operation === undefined ? [] : [{ Name: 'operation', Value: slo.operation }]),
  ];
  const out: Sli[] = [];
  if (slo.availability !== undefined) {
    out.push({
      slo,
      kind: 'availability',
      id: `${sloId(slo)}Availability`,
      objective: slo.availability,
      bad: { metricName: 'Errors', stat: 'Sum' },
      total: { metricName: 'Requests', stat: 'Sum' },
      dimensions,
    });
  }
  if (slo.latency !== undefined) {
    out.push({
      slo,
      kind: 'latency',
      id: `${sloId(slo)}Latency`,
      objective: slo.latency.objective,
      bad: { metricName: 'Duration', stat: `TC(${slo.latency.thresholdMs}:)` },
      total: { metricName: 'Duration', stat: 'SampleCount' },
      dimensions,
    });
  }
  return out;
}

/** 1 − objective, without the float's tail (1 − 0.999 is 0.0010000000000000009). */
export function errorBudget(objective: number): number {
  return Number((1 - objective).toPrecision(10));
}

/** The burn rate of `bad` over `total`: 0 without requests, 1 where the budget lasts exactly the SLO's period. */
export function burnRateExpression(sli: Sli, bad = 'bad', total = 'total'): string {
  return `IF(${total} > 0, ${bad} / ${total}, 0) / ${errorBudget(sli.objective)}`;
}

/** `checkout POST /orders: availability 99.9%`, `…: latency 99% ≤ 300 ms`. */
export function describeSli(sli: Sli): string {
  const percent = `${Number((sli.objective * 100).toPrecision(10))}%`;
  return sli.kind === 'availability'
    ? `${sli.slo.name}: availability ${percent}`
    : `${sli.slo.name}: latency ${percent} ≤ ${sli.slo.latency!.thresholdMs} ms`;
}
