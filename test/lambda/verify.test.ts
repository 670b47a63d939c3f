import type { CurrentRecord, GroupMember } from '../../lambda/updater/plan';
import { verifyNames } from '../../lambda/updater/verify';

const address = (id: string) => `${id}.abc123.0001.use1.cache.amazonaws.com`;
const member = (id: string, role: 'primary' | 'replica' | undefined, available = true): GroupMember => ({ cacheClusterId: id, role, address: address(id), available });
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
    ['a name on a replica that is not available', [member('rg-001', 'primary'), member('rg-002', 'replica', false), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], ['points at rg-002, which is not available', undefined]],
    ['a name on a removed node', [member('rg-001', 'primary'), member('rg-003', 'replica')],
      [record(1, 'rg-002'), record(2, 'rg-003')], ['points at a node that is not in the group', undefined]],
    ['no replica available: the fallback on the primary is accepted', [member('rg-001', 'primary'), member('rg-002', 'replica', false)],
      [record(1, 'rg-001'), record(2, 'rg-001')], [undefined, undefined]],
  ])('%s', (_title, members, records, problems) => {
    const result = verifyNames(members, records, NAMES);
    expect(result.names.map((name) => name.problem)).toEqual(problems);
    expect(result.ok).toBe(problems.every((problem) => problem === undefined));
  });
});
