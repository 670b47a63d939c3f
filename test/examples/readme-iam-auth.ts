import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';

const app = new App();
const stack = new Stack(app, 'Orders');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });

// An IAM-enabled user (its name must equal its id) in a user group whose `default` user can do nothing.
const appUser = new elasticache.CfnUser(stack, 'AppUser', {
  engine: 'valkey',
  userId: 'orders-app',
  userName: 'orders-app',
  accessString: 'on ~* +@all',
  authenticationMode: { Type: 'iam' },
});
const defaultUser = new elasticache.CfnUser(stack, 'DefaultUser', {
  engine: 'valkey',
  userId: 'orders-default',
  userName: 'default',
  accessString: 'off -@all',
  authenticationMode: { Type: 'no-password-required' },
});
const users = new elasticache.CfnUserGroup(stack, 'Users', {
  engine: 'valkey',
  userGroupId: 'orders-users',
  userIds: [defaultUser.ref, appUser.ref],
});

const cache = new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc, userGroupId: users.ref });

const orders = new lambda.Function(stack, 'Orders', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  vpc,
  environment: {
    CACHE_WRITER: cache.primaryHostname,
    CACHE_USER: appUser.userName,
    CACHE_REPLICATION_GROUP_ID: cache.replicationGroupId,
  },
});
cache.connections.allowDefaultPortFrom(orders);
cache.grantConnect(orders, appUser.userId);

app.synth();
