/** The events AWS delivers to the updater, shaped as Lambda receives them. */
import type { CloudFormationCustomResourceCreateEvent, ScheduledEvent, SNSEvent } from 'aws-lambda';
import { ReconcileResourceProps, replicaNamesLeaseName } from '../../src/private/contract';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
/** The stack the events come from; set it as the function's STACK_ID so its runs manage the names this Create claims. */
export const TEST_STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/test/00000000-0000-0000-0000-000000000000`;

/**
 * What custom_resources.Provider passes on when CloudFormation creates the names (a deployment): the fields
 * CloudFormation sets on every request (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html)
 * and the template's properties (src/private/updater.ts). StackId and LogicalResourceId name the lease's owner.
 */
export function customResourceCreateEvent(
  hostedZoneId: string,
  names: readonly string[],
  replicationGroupId = 'test-group',
): CloudFormationCustomResourceCreateEvent {
  const serviceToken = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:test-provider-on-event`;
  return {
    RequestType: 'Create',
    ServiceToken: serviceToken,
    ResponseURL: '...',
    StackId: TEST_STACK_ID,
    RequestId: 'test-create',
    LogicalResourceId: 'ReplicaRecords',
    ResourceType: 'Custom::ReplicaRecords',
    ResourceProperties: {
      ServiceToken: serviceToken,
      [ReconcileResourceProps.HOSTED_ZONE_ID]: hostedZoneId,
      [ReconcileResourceProps.REPLICA_RECORD_NAMES]: names.join(','),
      ReplicationGroupId: replicationGroupId,
      PrimaryEndpointAddress: `master.${replicationGroupId}.test.use1.cache.amazonaws.com`,
      RecordTtlSeconds: '30',
      NoReplicaFallback: 'primary',
      ReplicaNamesLease: replicaNamesLeaseName(names) ?? '',
    },
  };
}

/** One ElastiCache notification as SNS delivers it, e.g. `{ 'ElastiCache:FailoverComplete': '<group id>' }`. */
export function snsEvent(message: Record<string, string>): SNSEvent {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:test-events`;
  return {
    Records: [{
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${topicArn}:00000000-0000-0000-0000-000000000000`,
      Sns: {
        Type: 'Notification',
        MessageId: `test-${Date.now()}`,
        TopicArn: topicArn,
        Subject: 'ElastiCache Notification',
        Message: JSON.stringify(message),
        Timestamp: new Date().toISOString(),
        SignatureVersion: '1',
        Signature: 'test',
        SigningCertUrl: 'https://127.0.0.1/unused.pem',
        UnsubscribeUrl: 'https://127.0.0.1/unused',
        MessageAttributes: {},
      },
    }],
  };
}

/** The EventBridge schedule's event. */
export function scheduledEvent(): ScheduledEvent {
  return {
    'version': '0',
    'id': `test-${Date.now()}`,
    'detail-type': 'Scheduled Event',
    'source': 'aws.events',
    'account': ACCOUNT,
    'time': new Date().toISOString(),
    'region': REGION,
    'resources': [`arn:aws:events:${REGION}:${ACCOUNT}:rule/test-schedule`],
    'detail': {},
  };
}
