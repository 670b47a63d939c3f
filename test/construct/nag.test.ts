import { Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FULLY_CUSTOMISED, newConstructFixture, PropsFactory } from '../support/configurations';

/** A cdk_nag suppression found in the template, with the construct path of the resource it sits on. */
interface FoundSuppression {
  readonly resourcePath: string;
  readonly id: string;
  readonly reason: string;
}

interface NagResult {
  readonly constructPath: string;
  readonly errors: string[];
  readonly warnings: string[];
  readonly suppressions: FoundSuppression[];
}

const MIN_REASON_LENGTH = 20;
// Matches rule findings and CdkNagValidationFailure[AwsSolutions-…] alike.
const AWS_SOLUTIONS = Match.stringLikeRegexp('AwsSolutions-.*');

function runNag(props?: PropsFactory): NagResult {
  // GIVEN
  const { stack, cache } = newConstructFixture(props);

  // WHEN
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true, reports: false }));
  const annotations = Annotations.fromStack(stack);
  const format = (message: { id: string; entry: { data?: unknown } }) => `${message.id}: ${String(message.entry.data)}`;

  return {
    constructPath: cache.node.path,
    errors: annotations.findError('*', AWS_SOLUTIONS).map(format),
    warnings: annotations.findWarning('*', AWS_SOLUTIONS).map(format),
    suppressions: suppressionsOf(stack),
  };
}

/** Walks Metadata.cdk_nag of the synthesized template, the form cdk-nag reads. */
function suppressionsOf(stack: Stack): FoundSuppression[] {
  // Unit-test apps carry no aws:cdk:path metadata, so map logical ids back to constructs.
  const pathByLogicalId = new Map<string, string>();
  for (const child of stack.node.findAll()) {
    if (child instanceof CfnResource) {
      pathByLogicalId.set(stack.resolve(child.logicalId), child.node.path);
    }
  }
  const resources: Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress?: Array<{ id: string; reason?: string }> } } }> =
    Template.fromStack(stack).toJSON().Resources ?? {};
  return Object.entries(resources).flatMap(([logicalId, resource]) => (resource.Metadata?.cdk_nag?.rules_to_suppress ?? [])
    .map(({ id, reason }) => ({ resourcePath: pathByLogicalId.get(logicalId) ?? `<unknown ${logicalId}>`, id, reason: reason ?? '' })));
}

describe.each<[string, PropsFactory | undefined, string[]]>([
  // The reviewed set: a new suppressed rule must be argued for here, not slip in.
  ['defaults', undefined, [
    'AwsSolutions-AEC5', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SMG4', 'AwsSolutions-SNS2', 'AwsSolutions-SNS3',
  ]],
  // No own topic (the user's) and no AUTH token secret (RBAC), but RBAC needs AEC6.
  ['fully customised', FULLY_CUSTOMISED, ['AwsSolutions-AEC5', 'AwsSolutions-AEC6', 'AwsSolutions-IAM5', 'AwsSolutions-L1']],
])('cdk-nag AwsSolutions with %s', (_name, props, reviewedRules) => {
  let result: NagResult;
  beforeAll(() => {
    result = runNag(props);
  });

  test('reports no unsuppressed errors', () => {
    // THEN: the whole finding text is in the failure message.
    expect(result.errors).toEqual([]);
  });

  test('reports no unsuppressed warnings', () => {
    expect(result.warnings).toEqual([]);
  });

  test('suppresses only on resources under the construct', () => {
    const outside = result.suppressions.filter(({ resourcePath }) => !resourcePath.startsWith(`${result.constructPath}/`));
    expect(outside).toEqual([]);
  });

  test(`gives every suppression a reason of at least ${MIN_REASON_LENGTH} characters`, () => {
    expect(result.suppressions.length).toBeGreaterThan(0);
    const unexplained = result.suppressions.filter(({ reason }) => reason.trim().length < MIN_REASON_LENGTH);
    expect(unexplained).toEqual([]);
  });

  test('suppresses exactly the reviewed AwsSolutions rules', () => {
    expect([...new Set(result.suppressions.map(({ id }) => id))].sort()).toEqual(reviewedRules);
  });
});
