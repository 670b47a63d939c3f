import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
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
    CACHE_READERS: cache.replicaHostnames.join(','),
    CACHE_PORT: String(cache.port),
  },
});
api.connections.allowToDefaultPort(cache);
cache.authSecret?.grantRead(api);
app.synth();
