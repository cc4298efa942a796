'use strict';
// A Serverless Framework plugin. Adds the SLO burn-rate alarms and the on-call and debug
// dashboards (infra/observability/) for the stage's `slos` parameter, so that each stage
// can hold its own objectives. The generator is TypeScript, loaded through tsx (a dev
// dependency, as the framework itself is).
const { require: requireTs } = require('tsx/cjs/api');

class Observability {
  constructor(serverless) {
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const { observabilityResources } = requireTs('../observability/resources.ts', __filename);
        const input = serverless.service.custom.observability;
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        const added = observabilityResources(input);
        const clash = Object.keys(added).filter((id) => id in template.Resources);
        if (clash.length > 0) throw new serverless.classes.Error(`the SLO alarms and dashboards would replace resources of the template: ${clash.join(', ')}`);
        Object.assign(template.Resources, added);
      },
    };
  }
}

module.exports = Observability;
