/**
 * A user's app, compiled and synthesized against the packed tarball by packed-app.test.ts: the construct in
 * one stack, imported into a second one, with an alarm action, createAlarm, grantConnect and the AUTH-token
 * hand-off. Type-checked in the repository too (tsconfig.dev.json maps the package name to src/).
 */
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatch_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IReplicatedRedisWithStableReaders, ReplicatedRedisWithStableReaders, ReplicationGroupEngine } from 'cdk-redis-stable-readers';

const app = new App();

// Stack one: the caches, and the pager topic.
const data = new Stack(app, 'Data');
const vpc = new ec2.Vpc(data, 'Vpc', { maxAzs: 2 });
const cache = new ReplicatedRedisWithStableReaders(data, 'Cache', { vpc, engine: ReplicationGroupEngine.VALKEY, replicas: 2 });
const rbacCache = new ReplicatedRedisWithStableReaders(data, 'RbacCache', { vpc, userGroupId: 'app-users', replicas: 1 });
const pager = new sns.Topic(data, 'Pager');
const updaterAlarm: cloudwatch.Alarm = cache.updaterAlarm;
updaterAlarm.addAlarmAction(new cloudwatch_actions.SnsAction(pager));

// Stack two: an app that imports the caches by their attributes, so the rules `connections` adds live in this stack.
const apps = new Stack(app, 'Apps');
const imported: IReplicatedRedisWithStableReaders = ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes(apps, 'Cache', {
  replicationGroupId: cache.replicationGroupId,
  replicas: cache.replicaHostnames.length,
  hostedZone: cache.hostedZone,
  securityGroups: cache.securityGroups,
  port: cache.port,
  primaryEndpointAddress: cache.primaryEndpointAddress,
  authTokenSecret: cache.authTokenSecret,
});
const importedRbac = ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes(apps, 'RbacCache', {
  replicationGroupId: rbacCache.replicationGroupId,
  replicas: rbacCache.replicaHostnames.length,
  hostedZone: rbacCache.hostedZone,
  securityGroups: rbacCache.securityGroups,
});
const fn = new lambda.Function(apps, 'Api', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  vpc,
  environment: {
    CACHE_WRITER: imported.primaryHostname,
    CACHE_READERS: imported.replicaHostnames.join(','),
    CACHE_AUTH_TOKEN_SECRET_ARN: imported.authTokenSecret!.secretArn,
    RBAC_CACHE_WRITER: importedRbac.primaryHostname,
  },
});
imported.connections.allowDefaultPortFrom(fn);
imported.grantReadAuthToken(fn);
importedRbac.connections.allowDefaultPortFrom(fn);
importedRbac.grantConnect(fn, 'app-user');

const hitRate: cloudwatch.Alarm = imported.metricCacheHitRate().createAlarm(apps, 'HitRate', {
  threshold: 80,
  evaluationPeriods: 3,
  comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
});
hitRate.addAlarmAction(new cloudwatch_actions.SnsAction(pager));
importedRbac.metricReplicationLag().createAlarm(apps, 'Lag', { threshold: 5, evaluationPeriods: 3 });
imported.metric('CurrItems', { dimensionsMap: { CacheClusterId: imported.memberIds[1] } }).createAlarm(apps, 'Items', { threshold: 1e6, evaluationPeriods: 1 });

app.synth();
