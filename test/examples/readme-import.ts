import { App, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';

// Another app: the ids are those the Sessions stack created (put them in its outputs).
const app = new App();
const stack = new Stack(app, 'Workers', { env: { account: '111111111111', region: 'us-east-1' } });
const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  privateSubnetRouteTableIds: ['rtb-0123456789abcdef0', 'rtb-0fedcba9876543210'],
});

const cache = ReplicatedRedisWithStableReaders.fromReplicatedRedisWithStableReadersAttributes(stack, 'Cache', {
  replicationGroupId: 'sessions-cache',
  replicas: 3,
  hostedZone: route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(stack, 'Zone', {
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    zoneName: 'sessions-cache.cache.internal',
  }),
  securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'CacheSecurityGroup', 'sg-0123456789abcdef0')],
  authTokenSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'AuthToken',
    'arn:aws:secretsmanager:us-east-1:111111111111:secret:CacheAuthToken-AbCdEf'),
});

const worker = new lambda.Function(stack, 'Worker', {
  runtime: lambda.Runtime.NODEJS_24_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  vpc,
  environment: {
    CACHE_READERS: Fn.join(',', cache.replicaHostnames),
    CACHE_AUTH_TOKEN_SECRET_ARN: cache.authTokenSecret!.secretArn,
  },
});
cache.connections.allowDefaultPortFrom(worker);
cache.grantReadAuthToken(worker);
cache.metricCurrentConnections().createAlarm(stack, 'Connections', { threshold: 50_000, evaluationPeriods: 1 });

app.synth();
