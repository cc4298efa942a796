import { BURN_ALERTS, checkAlarmWindow, windowLabel, type BurnAlert, type Severity } from './burn-alerts';
import { burnRateExpression, describeSli, type Sli } from './slis';

export type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

export interface AlarmSettings {
  namespace: string;
  /** Where the page and ticket alarms notify (a Ref to the alarm topic). */
  topic: unknown;
}

/** The logical id of one window's alarm: `SloCheckoutOrdersAvailabilityPage1h`. */
export function windowAlarmId(sli: Sli, severity: Severity, seconds: number): string {
  return `Slo${sli.id}${severity === 'page' ? 'Page' : 'Ticket'}${windowLabel(seconds)}`;
}

/** The logical id of the alarm that notifies: `SloCheckoutOrdersAvailabilityPage`. */
export function alertAlarmId(sli: Sli, severity: Severity): string {
  return `Slo${sli.id}${severity === 'page' ? 'Page' : 'Ticket'}`;
}

function windowAlarm(sli: Sli, alert: BurnAlert, seconds: number, settings: AlarmSettings) {
  checkAlarmWindow(seconds);
  const stat = (id: string, metric: Sli['bad']) => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: settings.namespace, MetricName: metric.metricName, Dimensions: sli.dimensions },
      Period: seconds,
      Stat: metric.stat,
    },
    ReturnData: false,
  });
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: { 'Fn::Sub': `\${AWS::StackName}-slo-${sli.id}-${alert.severity}-${windowLabel(seconds)}` },
      AlarmDescription: `${describeSli(sli)}. Burn rate over ${windowLabel(seconds)} at least ${alert.factor}: one window of the ${alert.severity} alert, which notifies`,
      Metrics: [
        stat('bad', sli.bad),
        stat('total', sli.total),
        {
          Id: 'burn',
          Expression: burnRateExpression(sli),
          Label: `burn rate ${windowLabel(seconds)}`,
          ReturnData: true,
        },
      ],
      Threshold: alert.factor,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      // No requests, no datapoint: nothing is burning.
      TreatMissingData: 'notBreaching',
    },
  };
}

/**
 * The burn-rate alarms of each SLI: one metric-math alarm per window (silent), and per
 * severity a composite alarm that notifies when both windows of one of its alerts are in
 * alarm, and again when they clear.
 */
export function sloAlarms(slis: Sli[], settings: AlarmSettings): Resources {
  const resources: Resources = {};
  for (const sli of slis) {
    for (const severity of ['page', 'ticket'] as const) {
      const alerts = BURN_ALERTS.filter((a) => a.severity === severity);
      const clauses: string[] = [];
      for (const alert of alerts) {
        const ids = [alert.longSeconds, alert.shortSeconds].map((seconds) => {
          const id = windowAlarmId(sli, severity, seconds);
          resources[id] = windowAlarm(sli, alert, seconds, settings);
          return id;
        });
        clauses.push(`(${ids.map((id) => `ALARM("\${${id}.Arn}")`).join(' AND ')})`);
      }
      resources[alertAlarmId(sli, severity)] = {
        Type: 'AWS::CloudWatch::CompositeAlarm',
        Properties: {
          AlarmName: { 'Fn::Sub': `\${AWS::StackName}-slo-${sli.id}-${severity}` },
          AlarmDescription: `${severity.toUpperCase()} ${describeSli(sli)}: the error budget burns at ${alerts.map((a) => `${a.factor}x over ${windowLabel(a.longSeconds)} and ${windowLabel(a.shortSeconds)}`).join(', or ')}`,
          AlarmRule: { 'Fn::Sub': clauses.join(' OR ') },
          AlarmActions: [settings.topic],
          OKActions: [settings.topic],
        },
      };
    }
  }
  return resources;
}
