import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One cdk-nag rule suppressed, with the reason a reviewer reads. */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings the suppression covers (`Resource::<arn>` strings or `{ regex }`); all when omitted. */
  readonly appliesTo?: Array<string | { regex: string }>;
}

/**
 * Suppresses cdk-nag findings on every CloudFormation resource under `scope`.
 *
 * It writes the `cdk_nag` metadata cdk-nag reads, so users who never run cdk-nag do not
 * need it installed.
 */
export function suppressNagFindings(scope: IConstruct, suppressions: NagSuppression[]): void {
  for (const child of scope.node.findAll()) {
    if (!(child instanceof CfnResource)) {
      continue;
    }
    const existing: object[] = child.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
    const added = suppressions.map(({ id, reason, appliesTo }) => (appliesTo ? { id, reason, applies_to: appliesTo } : { id, reason }));
    child.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...added] });
  }
}
