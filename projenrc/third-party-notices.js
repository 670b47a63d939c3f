// Writes the notices of every third-party package that esbuild put into the bundles under assets/.
//
//   node projenrc/third-party-notices.js <output file> <esbuild metafile>...
//
// A package is any `node_modules/<name>` (or `node_modules/@scope/<name>`) directory an input of a
// metafile comes from. For each one the notices list its name, version and licence, and then the
// text of its licence and notice files, each distinct text once with the packages it covers.
// A package that ships no licence file (some AWS SDK and Powertools packages) gets the standard
// text of the SPDX licence its package.json declares; one that declares none fails the build.
const fs = require('fs');
const path = require('path');
const spdx = require('spdx-license-list/full');

const LICENCE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?$/i;

/** The package directories (relative to the project) that a metafile's inputs come from. */
function bundledPackageDirs(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split('/');
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    const nameParts = parts[at + 1].startsWith('@') ? 2 : 1;
    dirs.add(parts.slice(0, at + 1 + nameParts).join('/'));
  }
  return dirs;
}

function main(outFile, metafiles) {
  if (!outFile || metafiles.length === 0) {
    throw new Error('usage: third-party-notices.js <output file> <esbuild metafile>...');
  }
  /** name@version -> { name, version, license, bundles: Set, files: [{ name, text }] } */
  const packages = new Map();
  for (const metafilePath of metafiles) {
    const bundleName = path.basename(metafilePath).replace(/\.meta\.json$/, '');
    const metafile = JSON.parse(fs.readFileSync(metafilePath, 'utf8'));
    for (const dir of bundledPackageDirs(metafile)) {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const id = `${manifest.name}@${manifest.version}`;
      if (!packages.has(id)) {
        const files = fs.readdirSync(dir)
          .filter((file) => LICENCE_FILE.test(file) && fs.statSync(path.join(dir, file)).isFile())
          .sort()
          .map((file) => ({ name: file, text: fs.readFileSync(path.join(dir, file), 'utf8').trim() }));
        if (files.length === 0) {
          const standard = spdx[manifest.license];
          if (!standard) {
            throw new Error(`${id} (${dir}) is bundled but has no licence file and no SPDX licence ('${manifest.license}') to pass on`);
          }
          files.push({ name: `no licence file; the standard ${manifest.license} text`, text: standard.licenseText.trim() });
        }
        packages.set(id, { name: manifest.name, version: manifest.version, license: manifest.license ?? 'see its licence file', bundles: new Set(), files });
      }
      packages.get(id).bundles.add(bundleName);
    }
  }

  const ids = [...packages.keys()].sort();
  /** licence or notice text -> ids of the packages whose file has it */
  const texts = new Map();
  for (const id of ids) {
    for (const file of packages.get(id).files) {
      if (!texts.has(file.text)) texts.set(file.text, []);
      texts.get(file.text).push(`${id} (${file.name})`);
    }
  }

  const lines = [
    'THIRD-PARTY SOFTWARE NOTICES',
    '',
    'The bundles in this package contain the third-party packages below:',
    'assets/updater/index.js (the updater Lambda function) and assets/drill/index.js (the',
    'cdk-redis-stable-readers command). Generated at build time from esbuild\'s metafiles.',
    '',
    `Packages (${ids.length}):`,
    ...ids.map((id) => {
      const pkg = packages.get(id);
      return `- ${id} | ${pkg.license} | ${[...pkg.bundles].sort().join(', ')}`;
    }),
    '',
  ];
  for (const [text, owners] of texts) {
    lines.push('='.repeat(78), ...owners.map((owner) => `Applies to ${owner}`), '-'.repeat(78), text, '');
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, lines.join('\n'));
  process.stdout.write(`${outFile}: ${ids.length} packages, ${texts.size} distinct licence and notice texts\n`);
}

main(process.argv[2], process.argv.slice(3));
