// Sets up what the tests need beyond node_modules, and prints what it installs (the `setup:test-tools` task,
// which the test task runs first):
// - moto (moto_server, for the end-to-end tests) and cfn-lint at the pinned versions: those in .venv when
//   they are there, else those on PATH when they are the pinned versions, else pip installs them into .venv;
// - the data-plane lab's Debian packages (real redis-server nodes with TLS, redis-py for Debian's python3),
//   through `sudo apt-get` when they are missing.
// When it cannot, it stops with one error that names the command to run.
//
// .venv/test-tools.json marks a venv whose tools were checked; test/support/test-tools-path.ts then puts
// .venv/bin first on PATH for jest, so moto's launcher (`python3`) and cfn-lint come from it.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const PINS = { 'moto': '5.2.1', 'cfn-lint': '1.51.0' };
const REQUIREMENTS = [`moto[server]==${PINS.moto}`, `cfn-lint==${PINS['cfn-lint']}`];
const VENV = '.venv';
const MARKER = path.join(VENV, 'test-tools.json');

/** Debian packages of the data-plane lab (test/dataplane), each with how to tell it is there. */
const LAB_PACKAGES = [
  { name: 'redis-server', present: () => onPath('redis-server') },
  { name: 'redis-tools', present: () => onPath('redis-cli') },
  { name: 'openssl', present: () => onPath('openssl') },
  // The lab's redis-py client runs on Debian's own interpreter, whatever python3 is first on PATH.
  { name: 'python3-redis', present: () => run('/usr/bin/python3', ['-c', 'import redis']).ok },
  { name: 'python3-dnspython', present: () => run('/usr/bin/python3', ['-c', 'import dns.resolver']).ok },
  // The Python client's wheel is built offline (clients/python/run-tests.sh, the lab) with Debian's build and twine.
  { name: 'python3-build', present: () => run('/usr/bin/python3', ['-m', 'build', '--version']).ok },
  { name: 'twine', present: () => onPath('twine') },
];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf-8', ...options });
  return { ok: !result.error && result.status === 0, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function onPath(command) {
  return run('sh', ['-c', `command -v ${command}`]).ok;
}

function fail(message) {
  process.stderr.write(`\nsetup:test-tools: error: ${message}\n`);
  process.exit(1);
}

/** The versions of moto and cfn-lint a Python interpreter has, or undefined for each it lacks. */
function versionsIn(python) {
  const script = 'import importlib.metadata as m, json\n'
    + 'def v(name):\n'
    + '    try:\n'
    + '        return m.version(name)\n'
    + '    except m.PackageNotFoundError:\n'
    + '        return None\n'
    + `print(json.dumps({name: v(name) for name in ${JSON.stringify(Object.keys(PINS))}}))`;
  const result = run(python, ['-c', script]);
  return result.ok ? JSON.parse(result.stdout) : {};
}

function pinned(versions) {
  return Object.entries(PINS).every(([name, version]) => versions[name] === version);
}

function describe(versions) {
  return Object.keys(PINS).map((name) => `${name} ${versions[name] ?? 'missing'}`).join(', ');
}

/** `sudo` when not root; fails naming the command when neither works. */
function asRoot(command, why) {
  if (process.getuid && process.getuid() === 0) return [];
  if (run('sudo', ['-n', 'true']).ok) return ['sudo'];
  fail(`${why}, and this user cannot run sudo without a password. Run: sudo ${command.join(' ')}`);
}

function aptInstall(packages, why) {
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
  const sudo = asRoot(install, why);
  process.stdout.write(`setup:test-tools: installing Debian packages (${why}): ${packages.join(' ')}\n`);
  // sudo resets the environment, so the variable goes on the command line.
  for (const command of [['apt-get', 'update', '-qq'], ['env', 'DEBIAN_FRONTEND=noninteractive', ...install]]) {
    const argv = [...sudo, ...command];
    process.stdout.write(`$ ${argv.join(' ')}\n`);
    const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
    if (result.error || result.status !== 0) {
      fail(`'${argv.join(' ')}' failed. Run: sudo ${install.join(' ')}`);
    }
  }
}

function setUpPythonTools() {
  const venvPython = path.join(VENV, 'bin', 'python');
  if (fs.existsSync(venvPython)) {
    const versions = versionsIn(venvPython);
    if (pinned(versions)) {
      fs.writeFileSync(MARKER, JSON.stringify(PINS) + '\n');
      process.stdout.write(`setup:test-tools: ${describe(versions)} in ${VENV}\n`);
      return;
    }
  }
  fs.rmSync(MARKER, { force: true });

  // Tools a contributor (or CI) already has: python3 is what test/e2e/moto.ts runs moto's launcher with.
  const onPathVersions = versionsIn('python3');
  const cfnLint = run('cfn-lint', ['--version']);
  onPathVersions['cfn-lint'] = cfnLint.ok ? cfnLint.stdout.trim().split(/\s+/).pop() : undefined;
  if (pinned(onPathVersions) && onPath('moto_server')) {
    process.stdout.write(`setup:test-tools: ${describe(onPathVersions)} on PATH (${run('sh', ['-c', 'command -v python3']).stdout.trim()})\n`);
    return;
  }

  const pipCommand = `python3 -m venv ${VENV} && ${VENV}/bin/python -m pip install ${REQUIREMENTS.map((r) => `'${r}'`).join(' ')}`;
  process.stdout.write(`setup:test-tools: PATH has ${describe(onPathVersions)}; installing ${REQUIREMENTS.join(' ')} into ${VENV}\n`);
  if (!fs.existsSync(venvPython)) {
    let venv = run('python3', ['-m', 'venv', VENV]);
    if (!venv.ok && /ensurepip|python3(\.\d+)?-venv/.test(venv.stdout + venv.stderr)) {
      // Debian and Ubuntu ship venv's pip bootstrap separately.
      fs.rmSync(VENV, { recursive: true, force: true });
      aptInstall(['python3-venv'], 'python3 -m venv needs it');
      venv = run('python3', ['-m', 'venv', VENV]);
    }
    if (!venv.ok) {
      fail(`'python3 -m venv ${VENV}' failed:\n${venv.stderr.trim()}\nInstall the tools yourself: ${pipCommand}`);
    }
  }
  process.stdout.write(`$ ${venvPython} -m pip install ${REQUIREMENTS.join(' ')}\n`);
  const pip = spawnSync(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', ...REQUIREMENTS], { stdio: 'inherit' });
  const versions = versionsIn(venvPython);
  if (pip.error || pip.status !== 0 || !pinned(versions)) {
    fail(`pip could not install ${REQUIREMENTS.join(' ')} into ${VENV} (is PyPI reachable?); ${VENV} has ${describe(versions)}.\n`
      + `Run it where PyPI is reachable: ${VENV}/bin/python -m pip install ${REQUIREMENTS.map((r) => `'${r}'`).join(' ')}\n`
      + `or put moto_server and cfn-lint at those versions on PATH (python3 must import moto ${PINS.moto}).`);
  }
  fs.writeFileSync(MARKER, JSON.stringify(PINS) + '\n');
  process.stdout.write(`setup:test-tools: installed ${describe(versions)} in ${VENV}\n`);
}

function setUpLabPackages() {
  const missing = LAB_PACKAGES.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
  if (missing.length === 0) {
    process.stdout.write(`setup:test-tools: the data-plane lab's Debian packages are installed (${LAB_PACKAGES.map((pkg) => pkg.name).join(' ')})\n`);
    return;
  }
  if (!onPath('apt-get')) {
    fail(`the data-plane lab (test/dataplane) needs the Debian packages ${missing.join(' ')}, and there is no apt-get here. Install their equivalents.`);
  }
  aptInstall(missing, 'the data-plane lab needs them');
  const still = LAB_PACKAGES.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
  if (still.length > 0) {
    fail(`still missing after apt-get install: ${still.join(' ')}. Run: sudo apt-get install -y ${still.join(' ')}`);
  }
}

setUpPythonTools();
setUpLabPackages();
