// A stand-in for CloudWatch evaluating a template's metric-math and composite alarms, minute
// by minute, over synthetic metric data: each metric alarm's window is its one period
// (EvaluationPeriods 1), sliding, evaluated at the end of every minute, as CloudWatch does
// by default. Only what the SLO alarms use is understood; anything else throws, so a change
// to the alarms cannot pass unread.
import type { Resource } from './packaged-template';

/** One minute of one metric: a count (Sum), or a distribution of values with counts. */
export type MinuteValue = number | Array<[value: number, count: number]>;

/** Per minute, per metric (`Name{dim=value,...}`), what was published. */
export type Series = Array<Record<string, MinuteValue>>;

export type AlarmState = 'OK' | 'ALARM';

export function metricKey(metricName: string, dimensions: Array<{ Name: string; Value: string }>): string {
  return `${metricName}{${dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')}}`;
}

/** A statistic of one minute's data; undefined: nothing published that minute. */
function statistic(value: MinuteValue | undefined, stat: string): number | undefined {
  if (value === undefined) return undefined;
  if (stat === 'Sum' && typeof value === 'number') return value;
  if (typeof value === 'number') throw new Error(`${stat} of a plain count`);
  if (stat === 'SampleCount') return value.reduce((n, [, count]) => n + count, 0);
  // Trimmed count over absolute bounds: lower bound exclusive, upper inclusive.
  const tc = /^TC\(([\d.]*):([\d.]*)\)$/.exec(stat);
  if (tc) {
    const low = tc[1] ? Number(tc[1]) : -Infinity;
    const high = tc[2] ? Number(tc[2]) : Infinity;
    return value.filter(([v]) => v > low && v <= high).reduce((n, [, count]) => n + count, 0);
  }
  throw new Error(`statistic ${stat} is not simulated`);
}

type Token = { kind: 'number'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

function tokens(expression: string): Token[] {
  const out: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?(?:e-?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(>=|<=|[-+*/(),<>]))/gy;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < expression.length && (match = pattern.exec(expression))) {
    if (match[1] !== undefined) out.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) out.push({ kind: 'name', value: match[2] });
    else out.push({ kind: 'op', value: match[3]! });
  }
  if (pattern.lastIndex !== expression.length && expression.slice(pattern.lastIndex).trim() !== '')
    throw new Error(`cannot read "${expression}" at ${pattern.lastIndex}`);
  return out;
}

type Compiled = (values: Record<string, number>) => number;

/** Metric math: numbers, ids, + - * /, comparisons (1 or 0), IF(condition, then, else); read once, run per minute. */
export function compileExpression(expression: string): Compiled {
  const list = tokens(expression);
  let at = 0;
  const peek = () => list[at];
  const isOp = (t: Token | undefined, ...ops: string[]): boolean => t?.kind === 'op' && ops.includes(t.value);
  const take = (op: string) => {
    if (!isOp(list[at], op)) throw new Error(`expected ${op} in "${expression}"`);
    at++;
  };
  const primary = (): Compiled => {
    const t = list[at++];
    if (t === undefined) throw new Error(`"${expression}" ends early`);
    if (t.kind === 'number') return () => t.value;
    if (isOp(t, '(')) {
      const inner = comparison();
      take(')');
      return inner;
    }
    if (isOp(t, '-')) {
      const operand = primary();
      return (v) => -operand(v);
    }
    if (t.kind === 'name' && isOp(peek(), '(')) {
      if (t.value !== 'IF') throw new Error(`function ${t.value} is not simulated`);
      take('(');
      const condition = comparison();
      take(',');
      const then = comparison();
      take(',');
      const otherwise = comparison();
      take(')');
      return (v) => (condition(v) !== 0 ? then(v) : otherwise(v));
    }
    if (t.kind === 'name') {
      return (values) => {
        const v = values[t.value];
        if (v === undefined) throw new Error(`no metric ${t.value} for "${expression}"`);
        return v;
      };
    }
    throw new Error(`unexpected ${t.value} in "${expression}"`);
  };
  const binary = (operand: () => Compiled, ops: Record<string, (a: number, b: number) => number>) => (): Compiled => {
    let left = operand();
    for (let t = peek(); t !== undefined && isOp(t, ...Object.keys(ops)); t = peek()) {
      at++;
      const [l, r, apply] = [left, operand(), ops[String(t.value)]!];
      left = (v) => apply(l(v), r(v));
    }
    return left;
  };
  const product = binary(primary, { '*': (a, b) => a * b, '/': (a, b) => a / b });
  const sum = binary(product, { '+': (a, b) => a + b, '-': (a, b) => a - b });
  const comparisons: Record<string, (a: number, b: number) => number> = {
    '>': (a, b) => +(a > b),
    '<': (a, b) => +(a < b),
    '>=': (a, b) => +(a >= b),
    '<=': (a, b) => +(a <= b),
  };
  // One comparison at most, as in CloudWatch's metric math.
  const comparison = (): Compiled => {
    const left = sum();
    const t = peek();
    if (t === undefined || !isOp(t, ...Object.keys(comparisons))) return left;
    at++;
    const [right, apply] = [sum(), comparisons[String(t.value)]!];
    return (v) => apply(left(v), right(v));
  };
  const compiled = comparison();
  if (at !== list.length) throw new Error(`"${expression}" has more after position ${at}`);
  return compiled;
}

export function evaluateExpression(expression: string, values: Record<string, number>): number {
  return compileExpression(expression)(values);
}

interface MetricQuery {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: string }> };
    Period: number;
    Stat: string;
  };
}

/** Running sums of one statistic of one metric, and of the minutes it was published in. */
interface Prefix {
  sums: number[];
  published: number[];
}

function prefixOf(series: Series, key: string, stat: string): Prefix {
  const sums = [0];
  const published = [0];
  for (const minute of series) {
    const v = statistic(minute[key], stat);
    sums.push(sums.at(-1)! + (v ?? 0));
    published.push(published.at(-1)! + (v === undefined ? 0 : 1));
  }
  return { sums, published };
}

function metricAlarmState(
  alarm: Record<string, any>,
  expression: Compiled,
  prefix: (key: string, stat: string) => Prefix,
  minute: number,
): AlarmState {
  if (
    alarm.EvaluationPeriods !== 1 ||
    alarm.ComparisonOperator !== 'GreaterThanOrEqualToThreshold' ||
    alarm.TreatMissingData !== 'notBreaching'
  ) {
    throw new Error('only one-period, >= threshold, missing-is-not-breaching alarms are simulated');
  }
  const queries = alarm.Metrics as MetricQuery[];
  const values: Record<string, number> = {};
  for (const q of queries.filter((m) => m.MetricStat)) {
    const stat = q.MetricStat!;
    const { sums, published } = prefix(metricKey(stat.Metric.MetricName, stat.Metric.Dimensions), stat.Stat);
    const from = Math.max(0, minute + 1 - stat.Period / 60);
    // A metric with no datapoint in its window: the expression has none either.
    if (published[minute + 1]! - published[from]! === 0) return 'OK';
    values[q.Id] = sums[minute + 1]! - sums[from]!;
  }
  return expression(values) >= alarm.Threshold ? 'ALARM' : 'OK';
}

/** `(ALARM("${A.Arn}") AND ALARM("${B.Arn}")) OR (…)`, as metric math over the alarms' states (1: ALARM). */
function compileRule(rule: string): Compiled {
  // AND binds tighter than OR, as in CloudWatch's rule syntax.
  return compileExpression(
    rule
      .replace(/ALARM\("\$\{([A-Za-z0-9]+)\.Arn\}"\)/g, '$1')
      .replaceAll(' AND ', ' * ')
      .replaceAll(' OR ', ' + '),
  );
}

/** Each alarm's state at the end of each minute of the series. */
export function simulateAlarms(resources: Record<string, Resource>, series: Series): Record<string, AlarmState[]> {
  const metricAlarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
  const composites = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::CompositeAlarm');
  const out: Record<string, AlarmState[]> = {};
  for (const [id] of [...metricAlarms, ...composites]) out[id] = [];
  const prefixes = new Map<string, Prefix>();
  const prefix = (key: string, stat: string): Prefix => {
    const id = `${key} ${stat}`;
    let p = prefixes.get(id);
    if (p === undefined) prefixes.set(id, (p = prefixOf(series, key, stat)));
    return p;
  };
  const expressions = new Map(
    metricAlarms.map(([id, alarm]) => [
      id,
      compileExpression((alarm.Properties.Metrics as MetricQuery[]).find((q) => q.ReturnData)!.Expression!),
    ]),
  );
  const rules = new Map(composites.map(([id, alarm]) => [id, compileRule(alarm.Properties.AlarmRule['Fn::Sub'])]));
  for (let minute = 0; minute < series.length; minute++) {
    const inAlarm: Record<string, number> = {};
    for (const [id, alarm] of metricAlarms) {
      const state = metricAlarmState(alarm.Properties, expressions.get(id)!, prefix, minute);
      out[id]!.push(state);
      inAlarm[id] = state === 'ALARM' ? 1 : 0;
    }
    for (const [id] of composites) out[id]!.push(rules.get(id)!(inAlarm) > 0 ? 'ALARM' : 'OK');
  }
  return out;
}
