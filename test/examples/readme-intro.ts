import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';

/** A cache whose replica names follow every failover, open to `app` on its port. */
export function addCache(scope: Construct, vpc: ec2.IVpc, app: ec2.IConnectable): ReplicatedRedisWithStableReaders {
  const cache = new ReplicatedRedisWithStableReaders(scope, 'Cache', { vpc });
  cache.connections.allowDefaultPortFrom(app);
  return cache;
}
