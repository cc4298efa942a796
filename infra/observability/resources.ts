import { dashboards } from './dashboards';
import { sloAlarms, type Resources } from './slo-alarms';
import { slisOf } from './slis';
import { parseSlos } from './slos';

/** serverless.yml's `custom.observability`, its variables resolved. */
export interface ObservabilityInput {
  slos: unknown;
  metricsNamespace: string;
  /** A list, or comma-separated. */
  errorLogGroups: unknown;
}

function logGroups(value: unknown): string[] {
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.some((g) => typeof g !== 'string'))
    throw new Error(`errorLogGroups must be log group names, a list or comma-separated, not ${JSON.stringify(value)}`);
  return list.map((g: string) => g.trim()).filter(Boolean);
}

/** The SLO burn-rate alarms and the two dashboards, as resources to merge into the template. */
export function observabilityResources(input: ObservabilityInput): Resources {
  const slis = parseSlos(input.slos).flatMap(slisOf);
  return {
    ...sloAlarms(slis, { namespace: input.metricsNamespace, topic: { Ref: 'AlarmTopic' } }),
    ...dashboards(slis, { namespace: input.metricsNamespace, errorLogGroups: logGroups(input.errorLogGroups) }),
  };
}
