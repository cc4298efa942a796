// The dashboards as docs/dashboards/ holds them, for the example SLOs there: each body's JSON
// and a picture of its layout. scripts/render-dashboards.ts writes them; a test compares.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { layoutPicture } from './layout-picture';
import { observabilityResources } from './resources';

export const DOCS_DIR = new URL('../../docs/dashboards/', import.meta.url);

export interface DashboardDocument {
  /** File stem: `on-call`, `debug`. */
  name: string;
  json: string;
  svg: string;
}

export function dashboardDocuments(): DashboardDocument[] {
  const slos = parse(readFileSync(new URL('example-slos.yml', DOCS_DIR), 'utf8')) as unknown;
  const resources = observabilityResources({
    slos,
    metricsNamespace: 'hoptrace',
    errorLogGroups:
      '/aws/lambda/hoptrace-ingest-dev-ingest,/aws/lambda/hoptrace-ingest-dev-archive,/aws/lambda/hoptrace-ingest-dev-tailSampler',
  });
  return [
    ['on-call', 'OnCallDashboard'],
    ['debug', 'DebugDashboard'],
  ].map(([name, id]) => {
    const body = (resources[id!]!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    return {
      name: name!,
      json: `${JSON.stringify(JSON.parse(body), null, 2)}\n`,
      svg: layoutPicture(`hoptrace ${name} dashboard`, body),
    };
  });
}
