import { awscdk, DependencyType, javascript, ReleasableCommits } from 'projen';
import { JobPermission } from 'projen/lib/github/workflows-model';

/**
 * aws-cdk-lib floor: 2.224.0 is the first release with `lambda.Runtime.NODEJS_24_X`.
 * nodejs24.x is supported until 2028-04-30 (nodejs22.x ends 2027-04-30), so the updater
 * runs on it. Everything else the library uses (CfnReplicationGroup with TransitEncryptionMode,
 * custom_resources.Provider, Annotations.addWarningV2, PrivateHostedZone) is older than that.
 */
const CDK_FLOOR = '2.224.0';

/** The aws-cdk CLI. `aws-cdk@latest` on the registry is a stale 3.0.0 build that cannot read current cloud assemblies. */
const CDK_CLI = '2.1148.1';

/**
 * The oldest @aws-cdk/integ-tests-alpha the registry serves is 2.236, and it needs aws-cdk-lib
 * 2.236 at run time. So the library builds and tests against 2.236 (devDependency) while users
 * need only the 2.224.0 floor (peerDependency); `.ci/run` re-runs the tests at the floor.
 */
const INTEG_TESTS_ALPHA = '2.236.0-alpha.0';
const CDK_DEV = '2.236.0';

/** The Python package's module. */
const PYTHON_MODULE = 'cdk_redis_stable_readers';

/** Node.js for CI and the workflows: the major of the updater's Lambda runtime (nodejs24.x). */
const NODE_CI = '24.x';

/** The GitHub environment every publishing job runs in; npm's and PyPI's trusted publishers name it. */
const RELEASE_ENVIRONMENT = 'release';

/** A projen upgrade rewrites the repository, so it is pinned and upgraded on purpose. */
const PROJEN = '0.103.25';

/** Environment for the offline aws-cdk CLI: no notices fetch, no metadata lookups, no telemetry. */
const OFFLINE_CDK_ENV = {
  CDK_HOME: 'test/fixtures/cdk-home',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: '1',
};

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-redis-stable-readers',
  description: 'A Multi-AZ ElastiCache (Valkey / Redis OSS) replication group with one stable Route 53 name per read replica, kept right across failovers.',
  // The project is the author; jsii wants an address, and a web page is one.
  author: 'cdk-redis-stable-readers project',
  authorAddress: 'https://github.com/cdk-redis-stable-readers/cdk-redis-stable-readers',
  authorOrganization: true,
  repositoryUrl: 'https://github.com/cdk-redis-stable-readers/cdk-redis-stable-readers.git',
  // Experimental until a real deployment has passed the integration test (test/integ.default.ts):
  // npm, Construct Hub and PyPI ("Development Status :: 4 - Beta") say so.
  stability: 'experimental',
  keywords: ['aws-cdk', 'cdk', 'elasticache', 'valkey', 'redis', 'route53', 'read-replica', 'failover'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenVersion: PROJEN,
  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.5.1',
  // Peers are not pinned as devDependencies at their minimum: aws-cdk-lib is developed against CDK_DEV.
  peerDependencyOptions: { pinnedDevDependency: false },
  jsiiVersion: '~6.0.0',
  // Node 20 reached end of life in April 2026; 22 is the oldest supported line. The workflows,
  // `.ci/run` and the updater (Lambda nodejs24.x) run on 24.
  minNodeVersion: '22.0.0',
  workflowNodeVersion: NODE_CI,

  publishToPypi: {
    distName: 'cdk-redis-stable-readers',
    module: PYTHON_MODULE,
    // OIDC: PyPI trusts this repository's release workflow in the `release` environment; no token.
    trustedPublishing: true,
  },
  // OIDC with provenance: npm trusts this repository's release workflow; no NPM_TOKEN (CONTRIBUTING.md).
  npmTrustedPublishing: true,
  npmProvenance: true,
  // Publishing jobs run in this GitHub environment (protection rules decide who may release).
  releaseEnvironment: RELEASE_ENVIRONMENT,

  // Releases: every push to main with a `feat:` or `fix:` commit since the last tag releases to npm
  // and PyPI (conventional commits pick the bump; the changelog is written from them). Publishing
  // uses trusted publishing (OIDC), no long-lived secrets: see CONTRIBUTING.md for the one-time setup.
  github: true,
  release: true,
  releaseToNpm: true,
  releasableCommits: ReleasableCommits.featuresAndFixes(),
  // The first release is 0.1.0 (with no tag, projen would release 0.0.0); later ones follow the commits.
  nextVersionCommand: 'node projenrc/next-version.js',
  depsUpgrade: true,
  pullRequestTemplate: false,
  githubOptions: { mergify: false },
  // Every job that builds or packages (build, release, package-*, upgrade) first installs the offline
  // wheel's Debian packages, as `.ci/run` does here. The tests' own tools (moto and cfn-lint into .venv,
  // the data-plane lab's Debian packages) come from the test task's setup:test-tools, as for a contributor.
  // GitHub's runners run as `runner` with passwordless sudo; sudo resets the environment, so the variable is an argument.
  workflowBootstrapSteps: [{
    name: 'Install the offline Python build',
    run: [
      'sudo apt-get update -qq',
      'sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-build twine python3-setuptools python3-wheel python3-venv',
    ].join('\n'),
  }],

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    // The README examples import the package by name, as users do.
    compilerOptions: { paths: { 'cdk-redis-stable-readers': ['./src'], 'redis-stable-readers': ['./clients/node/src'] } },
    include: ['lambda/**/*.ts', '.projenrc.ts'],
    // Build and test output: the lab copies clients/node there to pack it, Stryker its sandboxes.
    exclude: ['test-reports', 'dist', 'clients/node/dist', '.venv'],
  },

  devDeps: [
    // The updater's own dependencies are bundled into assets/ at build time, so they are dev-only.
    '@aws-sdk/client-elasticache@^3',
    '@aws-sdk/client-route-53@^3',
    '@aws-lambda-powertools/logger@^2',
    '@aws-lambda-powertools/metrics@^2',
    '@types/aws-lambda',
    'esbuild@^0.28',
    // Tests.
    'aws-sdk-client-mock@^4',
    'aws-sdk-client-mock-jest@^4',
    'fast-check@^4',
    // cdk-nag 3 needs aws-cdk-lib >= 2.257.0; major 2 matches our floor.
    'cdk-nag@^2',
    `aws-cdk@${CDK_CLI}`,
    // The real-AWS integ test (see CDK_DEV).
    `@aws-cdk/integ-tests-alpha@${INTEG_TESTS_ALPHA}`,
    '@aws-cdk/integ-runner@2.197.10',
    // The data-plane lab (test/dataplane): real clients and a small DNS server.
    'ioredis@^5',
    'dns-packet@^5',
    '@types/dns-packet',
    // The bench's data plane: what a user would pick instead of our clients (its native binary is an optional dependency).
    '@valkey/valkey-glide@~2.5.2',
    // Validates the generated GitHub workflows against the workflow schema, offline (WebAssembly).
    '@action-validator/cli@0.6.0',
    '@action-validator/core@0.6.0',
    // Standard licence texts for bundled packages that ship none (projenrc/third-party-notices.js).
    'spdx-license-list@^6',
    // Mutation testing of the updater's core (the `mutation` task); the jest runner pins its core exactly.
    '@stryker-mutator/core@10.0.0',
    '@stryker-mutator/jest-runner@10.0.0',
  ],

  jestOptions: {
    jestConfig: {
      testTimeout: 60_000,
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
      // moto and cfn-lint from .venv when setup:test-tools put them there.
      globalSetup: '<rootDir>/test/support/test-tools-path.ts',
      // The venv holds thousands of JSON files jest need not crawl; test-reports/ holds Stryker's sandbox copies of the package.
      modulePathIgnorePatterns: ['<rootDir>/.venv/', '<rootDir>/test-reports/'],
      moduleNameMapper: { '^cdk-redis-stable-readers$': '<rootDir>/src' },
    },
  },

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda', '.projenrc.ts', 'clients/node/src', 'clients/node/test', 'clients/node/examples'],
  },
});

project.deps.addDependency(`aws-cdk-lib@${CDK_DEV}`, DependencyType.BUILD);
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);

// Only the bundle in assets/ ships; the handler's source does not.
project.gitignore.exclude('/assets/', '__pycache__/', '/.venv/');
project.addPackageIgnore('/.venv/');
// Contributors' documents; users read the README (docs/ links are absolute GitHub URLs).
project.addPackageIgnore('/docs/');
project.addPackageIgnore('/CONTRIBUTING.md');
project.addPackageIgnore('/lambda/');
project.addPackageIgnore('/clients/');
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/test-reports/');
project.eslint?.addRules({ 'no-template-curly-in-string': 'error' });
// The project service resolves each file's nearest tsconfig.json, which is jsii's (src/ only);
// tsconfig.dev.json covers src/, lambda/ and test/.
project.tryFindObjectFile('.eslintrc.json')?.addOverride('parserOptions.projectService', undefined);
project.tryFindObjectFile('.eslintrc.json')?.addOverride('parserOptions.project', './tsconfig.dev.json');
// The README examples import the package by name, mapped to src/ in tsconfig.dev.json.
project.tryFindObjectFile('.eslintrc.json')?.addOverride('settings.import/resolver.typescript.project', './tsconfig.dev.json');

// unrs-resolver 1.13 has platform bindings missing from the registry, which breaks `npm ci`.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

/**
 * The updater bundle. The AWS SDK v3 is bundled rather than taken from the Lambda runtime:
 * the code that runs in Lambda is then exactly the code the tests ran (retry strategy, endpoint
 * variables, error names), pinned by our lockfile instead of whatever minor version the runtime
 * carries that month. The cost is a larger asset (hundreds of KB, minified), paid once per cold start.
 */
const ESBUILD_NODE = '--bundle --minify --keep-names --platform=node --format=cjs --main-fields=module,main';
/** esbuild's record of what went into each bundle; the notices are generated from it. */
const BUNDLE_META = 'test-reports/bundles';
const bundle = project.addTask('bundle', { description: 'Bundle the updater Lambda handler and the drill command into assets/, with the notices of what they bundle' });
// The updater runs on Lambda's nodejs24.x; the drill on the user's Node.js (minNodeVersion).
bundle.spawn(project.addTask('bundle:updater', {
  description: 'Bundle the updater Lambda handler into assets/updater',
  // Lambda puts the role's credentials in the environment, so the SDK's whole default chain is left out (cold start).
  exec: `esbuild lambda/updater/updater.lambda.ts ${ESBUILD_NODE} --target=node24 --alias:@aws-sdk/credential-provider-node=./lambda/updater/environment-credentials.ts `
    + `--metafile=${BUNDLE_META}/updater.meta.json --outfile=assets/updater/index.js`,
}));
// The drill ships as the package's command (and, through jsii, a Python console script).
bundle.spawn(project.addTask('bundle:drill', {
  description: 'Bundle the failover drill command into assets/drill',
  steps: [
    { exec: `esbuild lambda/drill/drill.ts ${ESBUILD_NODE} --target=node22 --banner:js="#!/usr/bin/env node" --metafile=${BUNDLE_META}/drill.meta.json --outfile=assets/drill/index.js` },
    // npm keeps the mode in the tarball, and jsii's runtime runs a bin script directly (Python's console script).
    { exec: 'chmod +x assets/drill/index.js' },
  ],
}));
// The licences of every package the bundles contain ship beside them, in the npm tarball and so in the wheel.
bundle.spawn(project.addTask('bundle:notices', {
  description: 'Write assets/THIRD-PARTY-NOTICES from the bundles\' esbuild metafiles',
  exec: `node projenrc/third-party-notices.js assets/THIRD-PARTY-NOTICES ${BUNDLE_META}/updater.meta.json ${BUNDLE_META}/drill.meta.json`,
}));
project.addBins({ 'cdk-redis-stable-readers': 'assets/drill/index.js' });
project.preCompileTask.spawn(bundle);

// The generated workflows cannot run here; they are checked against GitHub's workflow schema.
project.testTask.spawn(project.addTask('workflows:validate', {
  description: 'Validate .github/workflows/*.yml against the GitHub workflow schema (action-validator, offline)',
  // action-validator takes one file at a time.
  exec: 'ls .github/workflows/*.yml | xargs -n 1 -t action-validator',
}));

// What the tests need beyond node_modules (moto and cfn-lint at pinned versions, the data-plane lab's
// Debian packages), installed when missing: the two README commands work on a fresh machine.
project.testTask.prependSpawn(project.addTask('setup:test-tools', {
  description: 'Install what the tests need when missing, printing what it installs: moto and cfn-lint into .venv (pip), the data-plane lab\'s Debian packages (sudo apt-get)',
  exec: 'node projenrc/test-tools.js',
}));

// Construct Hub renders the Python docs with jsii-docgen, each ```ts block of the README and each @example
// translated by jsii-rosetta: none may come out as "non-compiling source" or carry TypeScript.
project.postCompileTask.spawn(project.addTask('docs:python', {
  description: 'Render the README and API docs for Python as Construct Hub does (jsii-docgen) and check every Python example in them',
  steps: [
    { exec: 'jsii-docgen --language python --readme --output test-reports/docs-python/API' },
    { exec: 'python3 .ci/check-python-docs.py test-reports/docs-python/API.md' },
  ],
}));

// ts-jest does not type-check, so tests and handlers are type-checked explicitly.
// Minutes on two cores, so not part of the build: run it after changing lambda/updater/plan.ts or reconcile.ts.
project.addTask('mutation', {
  description: 'Mutation-test the updater\'s planner and reconcile with the unit tests of test/lambda (Stryker); reports in test-reports/mutation/',
  steps: [
    { exec: 'stryker run test/mutation/stryker.config.json' },
    { exec: 'node test/mutation/summary.js test-reports/mutation/mutation.json test/mutation/survivors.json test-reports/mutation/summary.md' },
  ],
});

const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, lambda and test with tsconfig.dev.json',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
project.testTask.prependSpawn(typecheck);

// integ-runner compares test/integ.*.ts with its committed snapshot; an unchanged test is not deployed.
const INTEG_RUNNER = 'integ-runner --directory test --parallel-regions us-east-1';
const integVerify = project.addTask('integ:verify', {
  description: 'Check the integ test snapshot against a fresh synth (never deploys an unchanged test)',
  env: OFFLINE_CDK_ENV,
  exec: INTEG_RUNNER,
});
project.testTask.spawn(integVerify);
project.addTask('integ:snapshot', {
  description: 'Rewrite the integ test snapshot without deploying',
  env: OFFLINE_CDK_ENV,
  exec: `${INTEG_RUNNER} --dry-run --update-on-failed --force`,
});

// Benchmarks are never part of the test run; `npx projen bench --quick` is a short smoke run.
project.addTask('bench', {
  description: 'Benchmark the updater against its goals (moto on 127.0.0.1); writes test-reports/bench/results.md and results.json',
  steps: [
    // The figures mean something for the updater on its Lambda runtime's Node.js major (nodejs24.x).
    { exec: `node -e "const m = process.versions.node.split('.')[0]; if (m !== '${NODE_CI.split('.')[0]}') console.error('warning: Node.js ' + process.version + '; the updater runs on Node.js ${NODE_CI} in Lambda (.ci/run shows how to put it first on PATH)')"` },
    { spawn: 'bundle' },
    // moto from .venv when setup:test-tools put it there, as for jest.
    { spawn: 'setup:test-tools' },
    { exec: 'ts-node -P tsconfig.dev.json -r ./test/support/test-tools-path.ts test/bench/run.ts', receiveArgs: true },
  ],
});

project.addTask('synth:example', {
  description: 'Synthesize the example app (test/integ.default.ts) with the aws-cdk CLI and summarize it',
  env: OFFLINE_CDK_ENV,
  steps: [
    { spawn: 'bundle' },
    { exec: 'cdk synth --quiet --app "ts-node -P tsconfig.dev.json test/integ.default.ts" --output test-reports/example.cdk.out' },
    { exec: 'ts-node -P tsconfig.dev.json test/support/summarize-assembly.ts test-reports/example.cdk.out' },
  ],
});

/**
 * The Python package, built offline: jsii-pacmak's own Python build pip-installs setuptools,
 * build and twine from PyPI, which this machine cannot reach. pacmak generates the code only;
 * Debian's python3-build (apt) builds the wheel and Debian's twine checks it. It needs those apt
 * packages, so `build` packages only JavaScript and `.ci/run` builds the wheel explicitly.
 */
const packagePython = project.tasks.tryFind('package:python')!;
packagePython.reset();
packagePython.description = 'Build and check the Python wheel without PyPI (needs apt: python3-build twine)';
for (const exec of [
  'rm -rf dist/python dist/python-src',
  'jsii-pacmak --target python --code-only --outdir dist/python-src',
  // The description PyPI shows: README.md with its TypeScript translated by jsii-rosetta, or kept as
  // TypeScript where the README gives the Python itself (projenrc/python-readme.js says which).
  `node projenrc/python-readme.js README.md dist/python-src/python/README.md dist/python-src/python/src/${PYTHON_MODULE}/__init__.py`,
  '/usr/bin/python3 -m build --no-isolation --skip-dependency-check --outdir dist/python dist/python-src/python',
  'twine check --strict dist/python/*',
  '/usr/bin/python3 .ci/check-wheel.py dist/python',
]) {
  packagePython.exec(exec);
}
/**
 * `release` as the release workflow runs it, offline and without publishing: the version from the
 * commits (0.1.0 first), the full build, the npm tarball and the wheel, both with that version,
 * then the version put back. Leaves dist/js, dist/python, dist/changelog.md and dist/version.txt.
 */
project.addTask('release:dry-run', {
  description: 'Bump, build, package npm and Python with the release version, unbump (publishes nothing; needs apt: python3-build twine)',
  env: { RELEASE: 'true' },
  steps: [
    { exec: 'rm -rf dist' },
    { spawn: 'bump' },
    { spawn: 'build' },
    { spawn: 'package:python' },
    { exec: 'ls -l dist/js/*@$(cat dist/version.txt).jsii.tgz dist/python/*-$(cat dist/version.txt)-py3-none-any.whl' },
    { exec: 'echo "release $(cat dist/releasetag.txt): changelog in dist/changelog.md"' },
    { spawn: 'unbump' },
    { exec: 'git diff --ignore-space-at-eol --exit-code' },
  ],
});

/**
 * The Node.js client (clients/node, npm `redis-stable-readers`): built, tested against real redis-server
 * nodes and packed into dist/clients/node by the test command, as the release job publishes it.
 */
const clientsNode = project.addTask('clients:node', { description: 'Build, test and pack the redis-stable-readers npm package (clients/node) into dist/clients/node' });
clientsNode.exec('tsc -p clients/node');
clientsNode.exec('jest -c clients/node/jest.config.js');
clientsNode.exec('rm -rf dist/clients/node && mkdir -p dist/clients/node && cd clients/node && npm pack --pack-destination ../../dist/clients/node');
project.testTask.spawn(clientsNode);

/**
 * The Python client (clients/python, PyPI `redis-stable-readers`): a wheel built offline with Debian's python3-build,
 * checked with twine, and tested as installed (unpacked) against real redis-server nodes, into dist/clients/python.
 */
project.testTask.spawn(project.addTask('clients:python', {
  description: 'Build, check, test and pack the redis-stable-readers wheel (clients/python) into dist/clients/python (needs apt: python3-build twine python3-redis python3-dnspython)',
  exec: 'clients/python/run-tests.sh dist/clients/python',
}));

const packageAll = project.tasks.tryFind('package-all')!;
packageAll.reset();
packageAll.spawn(project.tasks.tryFind('package:js')!);

/**
 * The client packages (clients/node on npm, clients/python on PyPI, both `redis-stable-readers`) publish
 * from the release workflow too, tokenless like the construct: each job takes the release job's build
 * artifact (dist/) and hands the built package to publib, which skips a version the registry already has.
 */
const CLIENT_ARTIFACTS = { npm: 'dist/clients/node', pypi: 'dist/clients/python' };
const PUBLISH_CONDITION = "needs.release.outputs.tag_exists != 'true' && needs.release.outputs.latest_commit == github.sha";
/** A GitHub Actions expression, `${{ … }}`. */
const expression = (text: string) => `$\{{ ${text} }}`;
for (const [registry, directory] of Object.entries(CLIENT_ARTIFACTS) as Array<['npm' | 'pypi', string]>) {
  const files = registry === 'npm' ? `${directory}/*.tgz` : `${directory}/*.whl`;
  project.release!.addJobs({
    [`release_clients_${registry}`]: {
      name: `Publish the ${registry === 'npm' ? 'Node.js' : 'Python'} client to ${registry === 'npm' ? 'npm' : 'PyPI'}`,
      needs: ['release'],
      runsOn: ['ubuntu-latest'],
      // OIDC: the registry's trusted publisher names this workflow and environment.
      permissions: { contents: JobPermission.READ, idToken: JobPermission.WRITE },
      environment: RELEASE_ENVIRONMENT,
      if: PUBLISH_CONDITION,
      steps: [
        { uses: 'actions/setup-node@v7.0.0', with: { 'node-version': NODE_CI, 'package-manager-cache': false } },
        ...(registry === 'pypi' ? [{ uses: 'actions/setup-python@v7.0.0', with: { 'python-version': '3.x' } }] : []),
        {
          name: 'Download build artifacts',
          uses: 'actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c',
          with: { 'artifact-ids': expression('needs.release.outputs.artifact_id'), 'path': 'dist' },
        },
        { name: 'The built client package', run: `ls -l ${files}` },
        {
          name: 'Release',
          env: registry === 'npm'
            ? { NPM_DIST_TAG: 'latest', NPM_REGISTRY: 'registry.npmjs.org', NPM_CONFIG_PROVENANCE: 'true', NPM_TRUSTED_PUBLISHER: 'true', PUBLIB_DRYRUN: expression('inputs.dry_run') }
            : { PYPI_TRUSTED_PUBLISHER: 'true', PUBLIB_DRYRUN: expression('inputs.dry_run') },
          run: `npx -p publib@latest publib-${registry} ${directory}`,
        },
      ],
    },
  });
}

project.synth();
