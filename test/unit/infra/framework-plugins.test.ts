import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Template } from '../../helpers/packaged-template';

const require = createRequire(import.meta.url);
const { hashDeploymentIds } = require('../../../infra/plugins/api-deployment-id.cjs') as {
  hashDeploymentIds: (t: Template) => Template;
};
const { dropImpliedDependsOn } = require('../../../infra/plugins/implied-depends-on.cjs') as {
  dropImpliedDependsOn: (t: Template) => Template;
};

/** A REST API with one method, its deployment and a stage on it, as infra/front-door.yml has. */
function api(method = 'POST', throttle = 200): Template {
  return {
    Resources: {
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'a' } },
      Traces: { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, PathPart: 'traces' } },
      Post: {
        Type: 'AWS::ApiGateway::Method',
        Properties: { RestApiId: { Ref: 'Api' }, ResourceId: { Ref: 'Traces' }, HttpMethod: method },
      },
      Deployment: {
        Type: 'AWS::ApiGateway::Deployment',
        DependsOn: ['Post'],
        Properties: { RestApiId: { Ref: 'Api' } },
      },
      Stage: {
        Type: 'AWS::ApiGateway::Stage',
        Properties: { RestApiId: { Ref: 'Api' }, DeploymentId: { Ref: 'Deployment' }, ThrottlingRateLimit: throttle },
      },
      Other: { Type: 'AWS::SNS::Topic', Properties: {} },
    },
    Outputs: { DeploymentOut: { Value: { Ref: 'Deployment' } } },
  };
}

const deploymentId = (t: Template) =>
  Object.keys(t.Resources).find((id) => t.Resources[id]!.Type === 'AWS::ApiGateway::Deployment')!;

describe('the REST API deployment id (infra/plugins/api-deployment-id.cjs)', () => {
  it('is the deployment’s id suffixed by a hash of the API, and every reference follows it', () => {
    const out = hashDeploymentIds(api());
    const id = deploymentId(out);
    expect(id).toMatch(/^Deployment[0-9a-f]{12}$/);
    expect(out.Resources).not.toHaveProperty('Deployment');
    expect(out.Resources.Stage!.Properties.DeploymentId).toEqual({ Ref: id });
    expect(out.Outputs).toEqual({ DeploymentOut: { Value: { Ref: id } } });
    expect(out.Resources[id]!.DependsOn).toEqual(['Post']);
  });

  it('changes when a method changes, so CloudFormation makes a new deployment and moves the stage to it', () => {
    expect(deploymentId(hashDeploymentIds(api('POST')))).not.toBe(deploymentId(hashDeploymentIds(api('PUT'))));
  });

  it('stays when only the stage or other resources change, so an unchanged API is not redeployed', () => {
    const changed = api('POST', 500);
    changed.Resources.Other!.Properties = { DisplayName: 'x' };
    expect(deploymentId(hashDeploymentIds(changed))).toBe(deploymentId(hashDeploymentIds(api('POST'))));
  });

  it('does not depend on the order of keys', () => {
    const reordered = api();
    reordered.Resources.Post!.Properties = {
      HttpMethod: 'POST',
      ResourceId: { Ref: 'Traces' },
      RestApiId: { Ref: 'Api' },
    };
    expect(deploymentId(hashDeploymentIds(reordered))).toBe(deploymentId(hashDeploymentIds(api())));
  });
});

describe('implied DependsOn (infra/plugins/implied-depends-on.cjs)', () => {
  it('drops an entry the resource already references by GetAtt, Ref or Sub, and keeps the rest', () => {
    const template: Template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          DependsOn: ['Role', 'LogGroup'],
          Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } },
        },
        Sub: { Type: 'AWS::SNS::Topic', DependsOn: 'Fn', Properties: { DisplayName: { 'Fn::Sub': '${Fn.Arn}' } } },
        Ref: { Type: 'AWS::SNS::Topic', DependsOn: ['Sub'], Properties: { DisplayName: { Ref: 'Sub' } } },
      },
    };
    const out = dropImpliedDependsOn(template).Resources;
    expect(out.Fn!.DependsOn).toEqual(['LogGroup']);
    expect(out.Sub).not.toHaveProperty('DependsOn');
    expect(out.Ref).not.toHaveProperty('DependsOn');
  });
});
