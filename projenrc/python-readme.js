// Writes the wheel's description (the README that setup.py reads as long_description) from README.md,
// so that PyPI shows Python where the README shows TypeScript.
//
//   node projenrc/python-readme.js <README.md> <output README.md> [<module __init__.py>]
//
// Given the generated module's __init__.py, its docstring (the README, which jsii-pacmak copies
// there with the TypeScript labelled python) is replaced with the same text.
//
// Each TypeScript block (```ts) becomes one of:
// - itself, still labelled ts, when a Python block follows it before the next heading: the README gives
//   that example per language (the minimal app);
// - itself, still labelled ts, when it is not CDK code a Python user could run: it imports a Node.js
//   package (ioredis), or it is a jest test;
// - otherwise its Python translation by jsii-rosetta, type-checked against this package's compiled
//   types (lib/) and aws-cdk-lib, and labelled python.
// No block is ever TypeScript labelled python; `.ci/check-wheel.py` checks that in the built wheel.
const fs = require('fs');
const path = require('path');
const { Translator, TargetLanguage, typeScriptSnippetFromCompleteSource } = require('jsii-rosetta');

const PACKAGE = 'cdk-redis-stable-readers';
/** Module specifiers a Python user has too (as aws_cdk, constructs and this package). */
const CDK_IMPORT = /^(aws-cdk-lib(\/.*)?|constructs|cdk-redis-stable-readers)$/;
const JEST_GLOBAL = /^\s*(expect|test|it|describe)\s*[.(]/m;

/**
 * JavaScript built-ins rosetta passes through unchanged (it translates the CDK API, not the
 * JavaScript standard library), rewritten to their Python equivalents.
 */
const BUILTINS = [
  // list.join(sep) -> sep.join(list), for a dotted name on the left
  [/([A-Za-z_][\w.]*)\.join\(("[^"]*")\)/g, '$2.join($1)'],
  // String(x) -> str(x)
  [/\bString\(([^()]*)\)/g, 'str($1)'],
];

/** The fenced code blocks of a Markdown text, with their line ranges. */
function fencedBlocks(lines) {
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    for (i++; i < lines.length && lines[i] !== '```'; i++);
    blocks.push({ start, end: i, info: open[1].trim(), source: lines.slice(start + 1, i).join('\n') });
  }
  return blocks;
}

function imports(source) {
  return [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
}

/** A directory where `cdk-redis-stable-readers` resolves to this package's compiled types, and aws-cdk-lib to ours. */
function compilationDirectory(projectDir) {
  const dir = path.join(projectDir, 'test-reports', 'rosetta');
  const link = path.join(dir, 'node_modules', PACKAGE);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { force: true, recursive: true });
  fs.symlinkSync(path.resolve(projectDir), link, 'dir');
  if (!fs.existsSync(path.join(projectDir, 'lib', 'index.d.ts'))) {
    throw new Error('lib/index.d.ts is missing: compile (npx projen compile) before writing the Python README');
  }
  return dir;
}

/** Replaces the module docstring (the first r'''...''' block) of a jsii-pacmak __init__.py. */
function replaceDocstring(initPath, markdown) {
  if (markdown.includes("'''")) {
    throw new Error(`the README cannot go into ${initPath}'s raw docstring as it is (it contains ''')`);
  }
  const init = fs.readFileSync(initPath, 'utf8');
  const match = /^r'''\n[\s\S]*?\n'''\n/.exec(init);
  if (!match) {
    throw new Error(`${initPath} does not start with the module docstring jsii-pacmak writes`);
  }
  fs.writeFileSync(initPath, `r'''\n${markdown.trim()}\n'''\n${init.slice(match[0].length)}`);
}

function main(readmePath, outPath, initPath) {
  if (!readmePath || !outPath) {
    throw new Error('usage: python-readme.js <README.md> <output README.md> [<module __init__.py>]');
  }
  const lines = fs.readFileSync(readmePath, 'utf8').split('\n');
  const blocks = fencedBlocks(lines);
  const compileDir = compilationDirectory(path.dirname(path.resolve(readmePath)));
  const translator = new Translator(true);
  const replacements = new Map();
  const summary = [];

  blocks.forEach((block, index) => {
    if (!/^(ts|typescript)\b/.test(block.info)) return;
    const where = `README.md:${block.start + 1}`;
    const next = blocks[index + 1];
    const headingBetween = next && lines.slice(block.end + 1, next.start).some((line) => /^#/.test(line));
    if (next && /^python\b/.test(next.info) && !headingBetween) {
      summary.push(`${where}: kept as TypeScript; the README's Python version follows it (line ${next.start + 1})`);
      return;
    }
    const foreign = imports(block.source).filter((spec) => !CDK_IMPORT.test(spec));
    if (foreign.length > 0) {
      summary.push(`${where}: kept as TypeScript; Node.js code (imports ${foreign.join(', ')})`);
      return;
    }
    if (JEST_GLOBAL.test(block.source)) {
      summary.push(`${where}: kept as TypeScript; a jest test`);
      return;
    }
    const snippet = typeScriptSnippetFromCompleteSource(
      block.source,
      { api: { api: 'moduleReadme', moduleFqn: PACKAGE }, field: { field: 'markdown', line: block.start + 1 } },
      false,
      { $compilation: compileDir },
    );
    const translated = translator.translate(snippet, [TargetLanguage.PYTHON]);
    let python = translated.get(TargetLanguage.PYTHON).source;
    for (const [pattern, replacement] of BUILTINS) {
      python = python.replace(pattern, replacement);
    }
    replacements.set(block.start, { end: block.end, text: ['```python', python, '```'] });
    summary.push(`${where}: translated to Python by jsii-rosetta (${translated.snippet.didCompile ? 'type-checked' : 'a fragment; not type-checked'})`);
  });

  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const replacement = replacements.get(i);
    if (replacement) {
      out.push(...replacement.text);
      i = replacement.end;
    } else {
      out.push(lines[i]);
    }
  }
  fs.writeFileSync(outPath, out.join('\n'));
  if (initPath) {
    replaceDocstring(initPath, out.join('\n'));
    summary.push(`${initPath}: module docstring replaced with the same text`);
  }
  process.stdout.write(`${outPath}:\n${summary.map((line) => `  ${line}\n`).join('')}`);
}

main(process.argv[2], process.argv[3], process.argv[4]);
