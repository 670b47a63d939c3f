import { awscdk, DependencyType, javascript } from 'projen';

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
  author: 'cdk-redis-stable-readers contributors',
  authorAddress: 'maintainers@example.com',
  repositoryUrl: 'https://github.com/cdk-redis-stable-readers/cdk-redis-stable-readers.git',
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
  minNodeVersion: '20.0.0',

  publishToPypi: {
    distName: 'cdk-redis-stable-readers',
    module: 'cdk_redis_stable_readers',
  },

  // CI is `.ci/run` on a fresh clone; no hosted workflows or release automation.
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    // The README examples import the package by name, as users do.
    compilerOptions: { paths: { 'cdk-redis-stable-readers': ['./src'] } },
    include: ['lambda/**/*.ts', '.projenrc.ts'],
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
  ],

  jestOptions: {
    jestConfig: {
      testTimeout: 60_000,
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
      moduleNameMapper: { '^cdk-redis-stable-readers$': '<rootDir>/src' },
    },
  },

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda', '.projenrc.ts'],
  },
});

project.deps.addDependency(`aws-cdk-lib@${CDK_DEV}`, DependencyType.BUILD);
project.deps.addDependency('constructs@10.5.1', DependencyType.BUILD);

// Only the bundle in assets/ ships; the handler's source does not.
project.gitignore.exclude('/assets/', '__pycache__/');
project.addPackageIgnore('/lambda/');
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
const ESBUILD_NODE = '--bundle --minify --keep-names --platform=node --target=node22 --format=cjs --main-fields=module,main';
const bundle = project.addTask('bundle', { description: 'Bundle the updater Lambda handler and the drill command into assets/' });
bundle.spawn(project.addTask('bundle:updater', {
  description: 'Bundle the updater Lambda handler into assets/updater',
  exec: `esbuild lambda/updater/updater.lambda.ts ${ESBUILD_NODE} --outfile=assets/updater/index.js`,
}));
// The drill ships as the package's command (and, through jsii, a Python console script).
bundle.spawn(project.addTask('bundle:drill', {
  description: 'Bundle the failover drill command into assets/drill',
  exec: `esbuild lambda/drill/drill.ts ${ESBUILD_NODE} --banner:js="#!/usr/bin/env node" --outfile=assets/drill/index.js`,
}));
project.addBins({ 'cdk-redis-stable-readers': 'assets/drill/index.js' });
project.preCompileTask.spawn(bundle);

// ts-jest does not type-check, so tests and handlers are type-checked explicitly.
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
    { spawn: 'bundle' },
    { exec: 'ts-node -P tsconfig.dev.json test/bench/run.ts', receiveArgs: true },
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
  '/usr/bin/python3 -m build --no-isolation --skip-dependency-check --outdir dist/python dist/python-src/python',
  'twine check --strict dist/python/*',
  '/usr/bin/python3 .ci/check-wheel.py dist/python',
]) {
  packagePython.exec(exec);
}
const packageAll = project.tasks.tryFind('package-all')!;
packageAll.reset();
packageAll.spawn(project.tasks.tryFind('package:js')!);

project.synth();
