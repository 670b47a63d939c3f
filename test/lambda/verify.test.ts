import type { CurrentRecord, GroupMember } from '../../lambda/updater/plan';
import { verifyNames } from '../../lambda/updater/verify';

const address = (id: string) => `${id}.abc123.0001.use1.cache.amazonaws.com`;
const member = (id: string, role: 'primary' | 'replica' | undefined, status = 'available'): GroupMember => ({ cacheClusterId: id, role, address: address(id), status });
const record = (index: number, id: string): CurrentRecord => ({ name: `replica${index}.cache.internal.`, target: `${address(id).toUpperCase()}.`, ttl: 10 });
const NAMES = ['replica1.cache.internal', 'replica2.cache.internal'];

describe('verifyNames', () => {
  test.each<[string, GroupMember[], CurrentRecord[], Array<string | undefined>]>([
    ['every name on an available replica', [member('rg-001', 'primary'), member('rg-002', 'replica'), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], [undefined, undefined]],
    ['a name on the primary', [member('rg-001', 'replica'), member('rg-002', 'primary'), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], ['points at rg-002, which is the primary node', undefined]],
    ['a missing name', [member('rg-001', 'primary'), member('rg-002', 'replica')],
      [record(1, 'rg-002')], [undefined, 'does not exist']],
    ['a name on a replica that is down', [member('rg-001', 'primary'), member('rg-002', 'replica', 'rebooting cache cluster nodes'), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], ['points at rg-002, which is rebooting cache cluster nodes', undefined]],
    // A backup does not stop the node serving (aws-facts §0a.1): its names are right where they are.
    ['a name on a replica taking a backup', [member('rg-001', 'primary'), member('rg-002', 'replica', 'snapshotting'), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], [undefined, undefined]],
    ['a name on a replica with a status this release does not know', [member('rg-001', 'primary'), member('rg-002', 'replica', 'resizing-someday'), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], ['points at rg-002, which is resizing-someday', undefined]],
    ['a name on a removed node', [member('rg-001', 'primary'), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], ['points at a node that is not in the group', undefined]],
    ['no replica serving: the fallback on the primary is accepted', [member('rg-001', 'primary'), member('rg-002', 'replica', 'deleting')],
      [record(1, 'rg-001'), record(2, 'rg-001')], [undefined, undefined]],
  ])('%s', (_title, members, records, problems) => {
    const result = verifyNames(members, records, NAMES);
    expect(result.names.map((name) => name.problem)).toEqual(problems);
    expect(result.ok).toBe(problems.every((problem) => problem === undefined));
  });

  test('without its lease the names are reported as unmanaged, even when every name is right', () => {
    const members = [member('rg-001', 'primary'), member('rg-002', 'replica'), member('rg-003', 'replica')];
    const records = [record(1, 'rg-002'), record(2, 'rg-003')];
    const lease = 'replica-names-lease.cache.internal';

    expect(verifyNames(members, records, NAMES, lease)).toMatchObject({ ok: false, unmanaged: `${lease} does not exist, so the updater does not maintain the names` });
    const leased = verifyNames(members, [...records, { name: `${lease}.`, target: 'rg.owner.invalid.', ttl: 10 }], NAMES, lease);
    expect(leased).toMatchObject({ ok: true, unmanaged: undefined });
  });
});
