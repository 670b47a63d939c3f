import * as fs from 'fs';
import * as path from 'path';

const VENV_BIN = path.join(__dirname, '..', '..', '.venv', 'bin');

/**
 * Puts the project's .venv/bin first on PATH when `npx projen setup:test-tools` (run first by the test task)
 * installed moto and cfn-lint there (it writes .venv/test-tools.json once they are checked). The tests'
 * `python3` (moto's launcher) and `cfn-lint` then come from it.
 *
 * Jest's globalSetup: it runs in jest's own process before the workers start, so they and every process a
 * test spawns inherit the PATH (a setupFiles module would change only the sandbox's copy of process.env).
 * Imported (`ts-node -r`, as the bench does), it does the same for that process.
 */
export default function useTestToolsVenv(): void {
  const entries = (process.env.PATH ?? '').split(path.delimiter);
  if (fs.existsSync(path.join(VENV_BIN, '..', 'test-tools.json')) && entries[0] !== VENV_BIN) {
    process.env.PATH = [VENV_BIN, ...entries].join(path.delimiter);
  }
}

useTestToolsVenv();
