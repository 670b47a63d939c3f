import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeCertificates } from '../../../test/dataplane/certificates';
import { RedisNode } from '../../../test/dataplane/redis-node';
test('one node', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  const certificates = makeCertificates(path.join(dir, 'tls'), 'x.test');
  const node = new RedisNode({ ip: '127.88.1.2', hostname: 'a.x.test', password: 'p', certificates, dir });
  await node.start();
  await node.kill();
});
