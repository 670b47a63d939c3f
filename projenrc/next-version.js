// projen's nextVersionCommand: with no release tag yet, release 0.1.0 (projen alone would
// release 0.0.0); after that print nothing, so the bump follows the conventional commits.
const { execFileSync } = require('child_process');

const tags = execFileSync('git', ['tag', '--list', 'v*'], { encoding: 'utf8' }).trim();
if (tags === '') {
  process.stdout.write('0.1.0\n');
}
