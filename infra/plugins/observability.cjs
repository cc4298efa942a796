'use strict';
// A Serverless Framework plugin. Adds the SLO burn-rate alarms and the on-call and debug
// dashboards (infra/observability/) for the stage's `slos` parameter, so that each stage
// can hold its own objectives. The generator is TypeScript, loaded through tsx (a dev
// dependency, as the framework itself is).
const { require: requireTs } = require('tsx/cjs/api');

class Observability {
  constructor(serverless) {
    let added;
    this.hooks = {
      // Before the bundling, so that a bad SLO stops the package at once.
      'before:package:initialize': () => {
        const { observabilityResources } = requireTs('../observability/resources.ts', __filename);
        try {
          added = observabilityResources(serverless.service.custom.observability);
        } catch (error) {
          throw new serverless.classes.Error(error.message);
        }
      },
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const template = serverless.service.provider.compiledCloudFormationTemplate;
        const clash = Object.keys(added).filter((id) => id in template.Resources);
        if (clash.length > 0)
          throw new serverless.classes.Error(
            `the SLO alarms and dashboards would replace resources of the template: ${clash.join(', ')}`,
          );
        Object.assign(template.Resources, added);
      },
    };
  }
}

module.exports = Observability;
