import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** PEM files of a lab CA and one wildcard server certificate it signed. */
export interface LabCertificates {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * Makes a CA and a certificate for `*.<nodeDomain>`, as ElastiCache's certificate names its nodes'
 * domain (not the stable names). The domain is only known once the emulated group exists.
 */
export function makeCertificates(dir: string, nodeDomain: string): LabCertificates {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  openssl('req', '-x509', ...ecKey, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=dataplane lab CA');
  openssl('req', ...ecKey, '-keyout', file('node.key'), '-out', file('node.csr'), '-subj', `/CN=*.${nodeDomain}`);
  fs.writeFileSync(file('node.ext'), `subjectAltName=DNS:*.${nodeDomain}\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', file('node.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('node.pem'), '-days', '2', '-extfile', file('node.ext'));
  return { caFile: file('ca.pem'), certFile: file('node.pem'), keyFile: file('node.key') };
}
