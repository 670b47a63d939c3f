import { judgeLease, LeaseRequest, mayDelete } from '../../lambda/updater/lease';
import { namesOwner, replicaNamesLeaseTarget } from '../../src/private/contract';

const STACK = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Stack/1';
const OTHER_STACK = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Orders/2';
const OWNER = namesOwner(STACK, 'ReplicaRecords');
const REPLACEMENT = namesOwner(STACK, 'ReplicaRecordsRenamed');
const STRANGER = namesOwner(OTHER_STACK, 'OrdersReplicaRecords');
const LEASE_NAME = 'replica-names-lease.cache.internal';

const lease = (group: string, owner = OWNER) => replicaNamesLeaseTarget(group, '0a1b2c3d4e5f', owner);
const claim = (claimant = OWNER, group = 'sessions'): LeaseRequest => ({ replicationGroupId: group, leaseName: LEASE_NAME, claimant });
const run = (group = 'sessions'): LeaseRequest => ({ replicationGroupId: group, leaseName: LEASE_NAME, stack: OWNER.stack });
/** A function whose environment has no STACK_ID (not deployed by the construct). */
const runWithoutStack = (): LeaseRequest => ({ replicationGroupId: 'sessions', leaseName: LEASE_NAME });

describe('the custom resource\'s Create and Update', () => {
  test.each([
    ['no lease', undefined, claim()],
    ['its own lease', lease('sessions'), claim()],
    ['a replaced resource\'s lease (same stack, other logical id)', lease('sessions'), claim(REPLACEMENT)],
    ['its stack\'s lease for the group it replaces (replicationGroupId changed)', lease('sessions-old'), claim()],
    ['a lease without owner of its group', replicaNamesLeaseTarget('sessions', '0a1b2c3d4e5f'), claim()],
  ])('claims the names over %s', (_, target, request) => {
    expect(judgeLease(target, request)).toEqual({ kind: 'write', owner: request.claimant });
  });

  test.each([
    ['another stack\'s lease of another group', lease('orders', STRANGER)],
    ['another stack\'s lease of the same group id (another Region or account)', lease('sessions', STRANGER)],
    ['a lease without owner of another group', replicaNamesLeaseTarget('orders', '0a1b2c3d4e5f')],
    ['a lease it cannot read', 'not-a-lease.example.com'],
  ])('is refused over %s', (_, target) => {
    expect(judgeLease(target, claim())).toMatchObject({ kind: 'refuse', message: expect.stringContaining('Nothing was written.') });
  });
});

describe('scheduled, notified and direct runs', () => {
  test.each([
    ['its stack\'s lease of its group', lease('sessions'), run(), OWNER],
    ['a replaced resource\'s lease of its stack', lease('sessions', REPLACEMENT), run(), REPLACEMENT],
    ['a lease of its group when the function does not know its stack', lease('sessions', STRANGER), runWithoutStack(), STRANGER],
    ['a lease without owner of its group', replicaNamesLeaseTarget('sessions', '0a1b2c3d4e5f'), run(), undefined],
  ])('write under %s, keeping the owner', (_, target, request, owner) => {
    expect(judgeLease(target, request)).toEqual({ kind: 'write', owner });
  });

  test.each([
    ['no lease', undefined, run(), 'does not exist'],
    ['another stack\'s lease of its group', lease('sessions', STRANGER), run(), 'is held by group sessions, managed by ordersreplicarecords in stack orders'],
    ['another stack\'s lease of another group', lease('orders', STRANGER), run(), 'is held by group orders'],
    ['a lease without owner of another group', replicaNamesLeaseTarget('orders', '0a1b2c3d4e5f'), run(), 'is held by group orders:'],
    ['a lease of another group when the function does not know its stack', lease('orders'), runWithoutStack(), 'is held by group orders'],
  ])('write nothing and raise the alarm under %s', (_, target, request, reason) => {
    expect(judgeLease(target, request)).toEqual({ kind: 'skip', alarm: true, reason: expect.stringContaining(reason) });
  });

  test('wait quietly under their stack\'s lease of another group: replicationGroupId is changing', () => {
    expect(judgeLease(lease('sessions-old'), run())).toEqual({ kind: 'skip', alarm: false, reason: expect.stringContaining('replicationGroupId is changing') });
  });

  test('a tool that plays the custom resource creates a missing lease without owner', () => {
    expect(judgeLease(undefined, { ...run(), claimWithoutOwner: true })).toEqual({ kind: 'write' });
  });
});

describe('the custom resource\'s Delete', () => {
  test.each([
    ['no lease', undefined, true],
    ['its own lease', lease('sessions'), true],
    ['a lease without owner', replicaNamesLeaseTarget('sessions', '0a1b2c3d4e5f'), true],
    ['its replacement\'s lease', lease('sessions', REPLACEMENT), false],
    ['another stack\'s lease', lease('orders', STRANGER), false],
    ['a lease it cannot read', 'not-a-lease.example.com', false],
  ])('under %s deletes: %s', (_, target, allowed) => {
    expect(mayDelete(target, OWNER)).toBe(allowed);
  });
});
