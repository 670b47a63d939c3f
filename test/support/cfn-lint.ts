import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** One finding of `cfn-lint --format json`. */
export interface CfnLintMatch {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational' | string;
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path?: Array<string | number> };
}

const NOT_INSTALLED = 'cfn-lint is not on PATH. Install it (e.g. `pip install cfn-lint`) so the template checks can run; they are never skipped.';

/** The cfn-lint version on PATH; throws a clear message when it is missing, so the suite fails rather than skips. */
export function cfnLintVersion(): string {
  const result = spawnSync('cfn-lint', ['--version'], { encoding: 'utf-8' });
  if (result.error || result.status !== 0) {
    throw new Error(`${NOT_INSTALLED}\n${result.error?.message ?? result.stderr}`);
  }
  return result.stdout.trim();
}

/**
 * Lints every template in ONE cfn-lint process (about 2 s per template either way, but a single start-up).
 *
 * `--non-zero-exit-code error` keeps warnings from changing the exit code, so only a crash or an error does.
 */
export function runCfnLint(files: string[], cwd: string): CfnLintMatch[] {
  cfnLintVersion();
  const result = spawnSync('cfn-lint', ['--format', 'json', '--non-zero-exit-code', 'error', '--regions', 'us-east-1', '--', ...files], {
    cwd,
    encoding: 'utf-8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (result.error) {
    throw new Error(`cfn-lint did not run: ${result.error.message}`);
  }
  let matches: CfnLintMatch[];
  try {
    matches = JSON.parse(result.stdout || '[]');
  } catch {
    throw new Error(`cfn-lint exited with ${result.status} without JSON output:\n${result.stdout}\n${result.stderr}`);
  }
  // Exit code 2 means errors, which the matches carry; anything else non-zero (1: usage or crash) is a broken run.
  if (result.status !== 0 && result.status !== 2) {
    throw new Error(`cfn-lint exited with ${result.status}:\n${result.stderr}`);
  }
  return matches;
}

/** One line per finding, readable in a failed assertion. */
export function describeMatch(match: CfnLintMatch): string {
  return `${match.Filename} ${match.Level} ${match.Rule.Id} at ${(match.Location.Path ?? []).join('/')}: ${match.Message}`;
}

/** The folder of the `cfnlint` Python package that the `cfn-lint` on PATH would use. */
export function cfnLintPackageDir(): string {
  const result = spawnSync('python3', ['-c', 'import cfnlint, os; print(os.path.dirname(cfnlint.__file__))'], { encoding: 'utf-8' });
  if (result.error || result.status !== 0) {
    throw new Error(`cannot locate the cfnlint Python package (is cfn-lint installed for python3?): ${result.error?.message ?? result.stderr}`);
  }
  return result.stdout.trim();
}

/** The replacement-relevant parts of a CloudFormation registry schema, property names without `/properties/`. */
export interface ResourceSchemaFacts {
  readonly typeName: string;
  readonly schemaFile: string;
  readonly createOnlyProperties: string[];
  readonly conditionalCreateOnlyProperties: string[];
}

/**
 * Finds the us-east-1 registry schemas that cfn-lint bundles. cfn-lint 1.x stores them as `resources/<hash>.json`,
 * mapped from `providers/us_east_1.py`; older releases had `providers/us_east_1/<type>.json`.
 */
export class BundledSchemas {
  private readonly schemasDir: string;
  private readonly hashes = new Map<string, string>();

  constructor(packageDir = cfnLintPackageDir()) {
    this.schemasDir = path.join(packageDir, 'data', 'schemas');
    const mapping = path.join(this.schemasDir, 'providers', 'us_east_1.py');
    if (fs.existsSync(mapping)) {
      for (const [, typeName, hash] of fs.readFileSync(mapping, 'utf-8').matchAll(/"([A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+)":\s*"([0-9a-f]+)"/g)) {
        this.hashes.set(typeName, hash);
      }
    }
  }

  /** The facts of `typeName`, or undefined when cfn-lint has no schema for it (custom resources). */
  public tryFacts(typeName: string): ResourceSchemaFacts | undefined {
    const schemaFile = this.schemaFile(typeName);
    if (schemaFile === undefined) {
      return undefined;
    }
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf-8'));
    if (schema.typeName !== typeName) {
      throw new Error(`${schemaFile} describes ${schema.typeName}, not ${typeName}`);
    }
    const names = (pointers: string[] | undefined): string[] => (pointers ?? []).map((pointer) => pointer.replace(/^\/properties\//, ''));
    return {
      typeName,
      schemaFile,
      createOnlyProperties: names(schema.createOnlyProperties),
      conditionalCreateOnlyProperties: names(schema.conditionalCreateOnlyProperties),
    };
  }

  /** Like {@link tryFacts}, but a missing schema is an error. */
  public facts(typeName: string): ResourceSchemaFacts {
    const facts = this.tryFacts(typeName);
    if (facts === undefined) {
      throw new Error(`cfn-lint bundles no us-east-1 schema for ${typeName} under ${this.schemasDir}`);
    }
    return facts;
  }

  private schemaFile(typeName: string): string | undefined {
    const hash = this.hashes.get(typeName);
    const candidates = [
      ...(hash ? [path.join(this.schemasDir, 'resources', `${hash}.json`)] : []),
      path.join(this.schemasDir, 'providers', 'us_east_1', `${typeName.toLowerCase().replace(/::/g, '-')}.json`),
    ];
    const found = candidates.find((candidate) => fs.existsSync(candidate));
    if (found !== undefined || this.hashes.size > 0) {
      return found;
    }
    // No mapping file in this cfn-lint layout: look for the schema that names the type (slow, so last).
    const resourcesDir = path.join(this.schemasDir, 'resources');
    const files = fs.existsSync(resourcesDir) ? fs.readdirSync(resourcesDir).filter((file) => file.endsWith('.json')) : [];
    return files.map((file) => path.join(resourcesDir, file)).find((file) => fs.readFileSync(file, 'utf-8').includes(`"typeName": "${typeName}"`));
  }
}
