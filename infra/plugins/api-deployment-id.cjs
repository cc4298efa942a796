'use strict';
// A Serverless Framework plugin. An AWS::ApiGateway::Deployment is a snapshot of its REST
// API, taken when CloudFormation creates it and never again: with a fixed logical id, a
// change to a method or a gateway response would reach the template but never the stage.
// So each deployment of infra/front-door.yml gets a logical id ending in a hash of the API's
// definition: a changed API makes a new deployment (and the stage moves to it), an unchanged
// one keeps the old deployment.
const { createHash } = require('node:crypto');

/** The resource types that make up what a deployment snapshots. */
const DEFINITION_TYPES = new Set([
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::RequestValidator',
]);

/** JSON with object keys sorted, so that the hash depends on content alone. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The logical id of the REST API a resource belongs to: itself, or its RestApiId's Ref. */
function apiOf(id, resource) {
  if (resource.Type === 'AWS::ApiGateway::RestApi') return id;
  const ref = resource.Properties?.RestApiId;
  return ref && typeof ref === 'object' ? ref.Ref : undefined;
}

/** Every Ref, GetAtt and DependsOn naming `from` made to name `to` instead. */
function renameReferences(node, from, to) {
  if (Array.isArray(node)) return node.map((item) => renameReferences(item, from, to));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Ref' && value === from) out[key] = to;
    else if (key === 'Fn::GetAtt' && Array.isArray(value) && value[0] === from) out[key] = [to, ...value.slice(1)];
    else if (key === 'DependsOn')
      out[key] = Array.isArray(value) ? value.map((d) => (d === from ? to : d)) : value === from ? to : value;
    else out[key] = renameReferences(value, from, to);
  }
  return out;
}

/** The template with each REST API deployment's logical id suffixed by its API's definition hash. */
function hashDeploymentIds(template) {
  let out = template;
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::ApiGateway::Deployment') continue;
    const api = apiOf(id, resource);
    if (api === undefined) continue;
    const definition = Object.entries(template.Resources)
      .filter(([otherId, other]) => DEFINITION_TYPES.has(other.Type) && apiOf(otherId, other) === api)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const hash = createHash('sha256')
      .update(canonical([resource, definition]))
      .digest('hex')
      .slice(0, 12);
    const renamed = `${id}${hash}`;
    const { [id]: deployment, ...others } = out.Resources;
    out = renameReferences({ ...out, Resources: { ...others, [renamed]: deployment } }, id, renamed);
  }
  return out;
}

class ApiDeploymentId {
  constructor(serverless) {
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        const provider = serverless.service.provider;
        provider.compiledCloudFormationTemplate = hashDeploymentIds(provider.compiledCloudFormationTemplate);
      },
    };
  }
}

module.exports = ApiDeploymentId;
module.exports.hashDeploymentIds = hashDeploymentIds;
