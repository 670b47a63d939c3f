import { App, Fn, Stack } from 'aws-cdk-lib';
import * as cloudwatch_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';

const app = new App();
const stack = new Stack(app, 'Sessions');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 3 });

const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, replicas: 3 });

const api = new lambda.Function(stack, 'Api', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  vpc,
  environment: {
    CACHE_WRITER: cache.primaryHostname,
    CACHE_READERS: Fn.join(',', cache.replicaHostnames),
    CACHE_PORT: `${cache.port}`,
    // Where the AUTH token is: the function reads it from Secrets Manager when it starts.
    CACHE_AUTH_TOKEN_SECRET_ARN: cache.authTokenSecret!.secretArn,
  },
});
cache.connections.allowDefaultPortFrom(api); // one ingress rule on the cache's security group
cache.grantReadAuthToken(api);

// Tell someone when the replica names may be stale, or the replicas fall behind.
const alarms = new sns.Topic(stack, 'Alarms');
cache.updaterAlarm.addAlarmAction(new cloudwatch_actions.SnsAction(alarms));
cache.metricReplicationLag()
  .createAlarm(stack, 'ReplicationLag', { threshold: 5, evaluationPeriods: 3 })
  .addAlarmAction(new cloudwatch_actions.SnsAction(alarms));

app.synth();
