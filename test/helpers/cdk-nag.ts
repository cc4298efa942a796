import { App, Stack, Validations } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Template } from './packaged-template';

/** One rule suppressed on one resource, as its `cdk_nag` metadata says. */
export interface Suppression {
  resource: string;
  /** The rule, or `Rule[finding]` for a rule that reports findings (IAM4, IAM5). */
  rule: string;
  reason: string;
}

/** A finding cdk-nag reports: the rule (or rule[finding]) and the template's logical id. */
export interface Finding {
  rule: string;
  resource: string;
}

interface MetadataRule {
  id: string;
  reason?: string;
  applies_to?: string[];
}

/**
 * The suppressions written in each resource's `Metadata.cdk_nag.rules_to_suppress`, in
 * cdk-nag's standard form: `{ id, reason, applies_to? }`, where `applies_to` narrows a rule
 * with findings to the findings named.
 */
export function suppressionsOf(template: Template): Suppression[] {
  const out: Suppression[] = [];
  for (const [resource, { Metadata }] of Object.entries(template.Resources)) {
    const rules = (Metadata?.cdk_nag?.rules_to_suppress ?? []) as MetadataRule[];
    for (const { id, reason, applies_to } of rules) {
      for (const rule of applies_to?.map((finding) => `${id}[${finding}]`) ?? [id])
        out.push({ resource, rule, reason: reason ?? '' });
    }
  }
  return out;
}

/**
 * Runs cdk-nag's AwsSolutions and Serverless packs over a CloudFormation template, brought
 * in with CfnInclude. cdk-nag 3 reads acknowledgements from CDK's Validations rather than
 * from the template, so the template's own `cdk_nag` suppressions are handed to it as such,
 * each on its resource; `honourSuppressions: false` reports every finding.
 */
export function runCdkNag(
  templateFile: string,
  template: Template,
  options: { honourSuppressions: boolean },
): Finding[] {
  const app = new App();
  const stack = new Stack(app, 'hoptrace');
  const included = new CfnInclude(stack, 'template', { templateFile });
  if (options.honourSuppressions) {
    for (const { resource, rule, reason } of suppressionsOf(template))
      Validations.of(included.getResource(resource)).acknowledge({ id: rule, reason });
  }
  const prefix = `${included.node.path}/`;
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack.validateScope(stack).violations.flatMap((violation) =>
      violation.violatingResources.map((r) => ({
        rule: violation.ruleName,
        resource: (r.constructPath ?? '').replace(prefix, ''),
      })),
    ),
  );
}
