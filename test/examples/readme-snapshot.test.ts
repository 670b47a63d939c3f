import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ReplicatedRedisWithStableReaders } from 'cdk-redis-stable-readers';

// Asset hashes (the bundled updater's code) change with every release of this library or of aws-cdk-lib.
expect.addSnapshotSerializer({
  test: (value: unknown) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string) => JSON.stringify(value.replace(/[0-9a-f]{64}/g, '[ASSET_HASH]')),
});

test('the Sessions stack', () => {
  const stack = new Stack(new App(), 'Sessions');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  new ReplicatedRedisWithStableReaders(stack, 'Cache', { vpc });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});
