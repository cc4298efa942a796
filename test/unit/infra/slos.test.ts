import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseSlos, SloDefinitionError } from '../../../infra/observability/slos';
import type { Template } from '../../helpers/packaged-template';

const require = createRequire(import.meta.url);
const Observability = require('../../../infra/plugins/observability.cjs') as new (
  serverless: unknown,
) => { hooks: Record<string, () => void> };

describe('the slos parameter', () => {
  it('takes a YAML list or the same as JSON (from --param), names each SLO by default after its service and operation', () => {
    const list = [
      {
        service: 'checkout',
        operation: 'POST /orders',
        availability: 0.999,
        latency: { thresholdMs: 300, objective: 0.99 },
      },
      { service: 'search', availability: 0.995, name: 'search everything' },
    ];
    const parsed = parseSlos(list);
    expect(parsed).toEqual([
      {
        name: 'checkout POST /orders',
        service: 'checkout',
        operation: 'POST /orders',
        availability: 0.999,
        latency: { thresholdMs: 300, objective: 0.99 },
      },
      { name: 'search everything', service: 'search', operation: undefined, availability: 0.995, latency: undefined },
    ]);
    expect(parseSlos(JSON.stringify(list))).toEqual(parsed);
    expect(parseSlos([])).toEqual([]);
    expect(parseSlos(null)).toEqual([]);
  });

  it.each([
    ['not JSON', '[{service:', /not a list, nor JSON/],
    ['not a list', { service: 'a', availability: 0.9 }, /must be a list of objectives/],
    ['an entry not an object', ['checkout'], /slos\[0\] must be an object/],
    ['no service', [{ availability: 0.99 }], /slos\[0\]\.service must be a non-empty string/],
    [
      'an empty operation',
      [{ service: 'a', operation: ' ', availability: 0.99 }],
      /slos\[0\]\.operation must be a non-empty string/,
    ],
    [
      'a percentage for a fraction',
      [{ service: 'a', availability: 99.9 }],
      /slos\[0\]\.availability is 99\.9; it must be a fraction between 0 and 1, exclusive \(0\.999 for 99\.9%\)/,
    ],
    ['a 100% objective (no budget)', [{ service: 'a', availability: 1 }], /availability is 1; it must be a fraction/],
    ['an objective as a string', [{ service: 'a', availability: '0.99' }], /availability is "0\.99"/],
    ['no objective at all', [{ service: 'a' }], /slos\[0\] sets neither availability nor latency/],
    [
      'a misspelt field',
      [{ service: 'a', availabilty: 0.99 }],
      /slos\[0\] has unknown field\(s\) availabilty; it takes name, service, operation, availability, latency/,
    ],
    [
      'a latency without threshold',
      [{ service: 'a', latency: { objective: 0.99 } }],
      /slos\[0\]\.latency\.thresholdMs is undefined; it must be a positive number of milliseconds/,
    ],
    [
      'a latency threshold in seconds as text',
      [{ service: 'a', latency: { thresholdMs: '0.3s', objective: 0.99 } }],
      /thresholdMs is "0\.3s"/,
    ],
    [
      'a latency with an unknown field',
      [{ service: 'a', latency: { thresholdMs: 300, objective: 0.99, percentile: 99 } }],
      /latency has unknown field\(s\) percentile/,
    ],
    [
      'a latency as a number',
      [{ service: 'a', latency: 300 }],
      /slos\[0\]\.latency must be \{ thresholdMs, objective \}/,
    ],
    ['a name without letters', [{ service: 'a', availability: 0.9, name: '--' }], /has no ASCII letter or digit/],
    [
      'a name in letters CloudFormation ids cannot hold',
      [{ service: '结账', name: '结账', availability: 0.9 }],
      /slos\[0\]\.name "结账" has no ASCII letter or digit/,
    ],
    [
      'two SLOs naming the same alarms',
      [
        { service: 'a', operation: 'GET /x', availability: 0.9 },
        { service: 'a', operation: 'GET x', availability: 0.99 },
      ],
      /"a GET \/x" and "a GET x" would name the same alarms \(AGETX\)/,
    ],
  ])('refuses %s, naming the place', (_, input, message) => {
    expect(() => parseSlos(input)).toThrow(SloDefinitionError);
    expect(() => parseSlos(input)).toThrow(message);
    expect(() => parseSlos(input)).toThrow(/see docs\/operations\/slos-and-alarms.md, "Setting an SLO"/);
  });
});

describe('the observability plugin (infra/plugins/observability.cjs)', () => {
  class FrameworkError extends Error {}
  const run = (observability: Record<string, unknown>, resources: Template['Resources'] = {}) => {
    const template: Template = { Resources: resources };
    const serverless = {
      service: { custom: { observability }, provider: { compiledCloudFormationTemplate: template } },
      classes: { Error: FrameworkError },
    };
    const { hooks } = new Observability(serverless);
    hooks['before:package:initialize']!();
    hooks['after:aws:package:finalize:mergeCustomProviderResources']!();
    return template;
  };
  const settings = { metricsNamespace: 'hoptrace', errorLogGroups: '/aws/lambda/a,/aws/lambda/b' };

  it('adds the stage’s SLO alarms and the two dashboards to the template', () => {
    const template = run({ ...settings, slos: [{ service: 'checkout', availability: 0.999 }] });
    const ids = Object.keys(template.Resources);
    expect(ids.filter((id) => id.endsWith('Dashboard'))).toEqual(['OnCallDashboard', 'DebugDashboard']);
    expect(ids.filter((id) => id.startsWith('Slo'))).toHaveLength(8);
    expect(run({ ...settings, slos: [] }).Resources).toHaveProperty('OnCallDashboard');
  });

  it('stops the package on a bad SLO before anything is bundled, saying what is wrong (a framework error: no stack trace)', () => {
    const serverless = {
      service: { custom: { observability: { ...settings, slos: [{ service: 'checkout', availability: 99.9 }] } } },
      classes: { Error: FrameworkError },
    };
    const start = new Observability(serverless).hooks['before:package:initialize']!;
    expect(start).toThrow(FrameworkError);
    expect(start).toThrow(/slos\[0\]\.availability is 99\.9/);
  });

  it('never replaces a resource of the template', () => {
    expect(() =>
      run({ ...settings, slos: [] }, { OnCallDashboard: { Type: 'AWS::SNS::Topic', Properties: {} } }),
    ).toThrow(FrameworkError);
  });
});
