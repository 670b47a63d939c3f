import * as fs from 'fs';
import * as path from 'path';

// `npx projen setup:test-tools` (run first by the test task) may have put moto and cfn-lint into the
// project's .venv, marked by test-tools.json once checked. Jest puts its bin folder first on PATH, so the
// tests' `python3` (moto's launcher) and `cfn-lint` come from it, under `npx projen test` and a bare `npx jest`.
const venvBin = path.join(__dirname, '..', '..', '.venv', 'bin');
if (fs.existsSync(path.join(venvBin, '..', 'test-tools.json'))) {
  process.env.PATH = `${venvBin}${path.delimiter}${process.env.PATH ?? ''}`;
}
