'use strict';
// A Serverless Framework plugin. The framework makes a function with a role of its own
// (`role: SomeRole`) depend on that role, which its Role's GetAtt already orders; cfn-lint
// reports each such entry (W3005). This drops the DependsOn entries a resource's own Ref
// or GetAtt already implies, and nothing else.

/** The logical ids a resource's properties name through Ref, GetAtt or a Sub's ${Id}. */
function referenced(node, into = new Set()) {
  if (Array.isArray(node)) {
    for (const item of node) referenced(item, into);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') into.add(value);
      else if (key === 'Fn::GetAtt' && Array.isArray(value)) into.add(value[0]);
      else if (key === 'Fn::GetAtt' && typeof value === 'string') into.add(value.split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(value) ? value[0] : value;
        for (const match of String(text).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) into.add(match[1]);
        if (Array.isArray(value)) referenced(value[1], into);
      } else referenced(value, into);
    }
  }
  return into;
}

function dropImpliedDependsOn(template) {
  const resources = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.DependsOn === undefined) {
      resources[id] = resource;
      continue;
    }
    const implied = referenced(resource.Properties);
    const kept = [].concat(resource.DependsOn).filter((d) => !implied.has(d));
    const { DependsOn, ...rest } = resource;
    resources[id] = kept.length > 0 ? { ...rest, DependsOn: kept } : rest;
  }
  return { ...template, Resources: resources };
}

class ImpliedDependsOn {
  constructor(serverless) {
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const provider = serverless.service.provider;
        provider.compiledCloudFormationTemplate = dropImpliedDependsOn(provider.compiledCloudFormationTemplate);
      },
    };
  }
}

module.exports = ImpliedDependsOn;
module.exports.dropImpliedDependsOn = dropImpliedDependsOn;
