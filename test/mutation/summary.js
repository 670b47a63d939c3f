#!/usr/bin/env node
/**
 * Writes the mutation run's summary: the score of each file and every surviving mutant, each with the reason it
 * may live (from survivors.json, keyed by file, mutator, original code and replacement, so line moves keep the key)
 * or a note that nobody explained it yet.
 *
 * Usage: node summary.js <stryker mutation.json> <survivors.json> <summary.md>
 */
const fs = require('fs');

const [reportPath, explanationsPath, outputPath] = process.argv.slice(2);
const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
const explanations = fs.existsSync(explanationsPath) ? JSON.parse(fs.readFileSync(explanationsPath, 'utf8')) : {};

/** The source text a mutant replaced (1-based lines, columns as Stryker reports them). */
function original(source, location) {
  const lines = source.split('\n');
  const { start, end } = location;
  if (start.line === end.line) {
    return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  }
  return [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join('\n');
}

const squeeze = (text) => text.replace(/\s+/g, ' ').trim();
/** The key survivors.json uses for a mutant. */
const keyOf = (file, mutant, source) => `${file} | ${mutant.mutatorName} | ${squeeze(original(source, mutant.location))} -> ${squeeze(mutant.replacement ?? '')}`;

const lines = ['# Mutation testing: lambda/updater/plan.ts and reconcile.ts', ''];
lines.push('| file | killed | timed out | survived | no coverage | score |', '|---|---|---|---|---|---|');
const survivors = [];
let unexplained = 0;
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
  const [killed, timedOut, survived, noCoverage] = ['Killed', 'Timeout', 'Survived', 'NoCoverage'].map(count);
  const detected = killed + timedOut;
  const valid = detected + survived + noCoverage;
  lines.push(`| ${file} | ${killed} | ${timedOut} | ${survived} | ${noCoverage} | ${(100 * detected / Math.max(valid, 1)).toFixed(1)} % (${detected} of ${valid}) |`);
  for (const mutant of mutants.filter((candidate) => candidate.status === 'Survived' || candidate.status === 'NoCoverage')) {
    const key = keyOf(file, mutant, source);
    const reason = explanations[key];
    if (reason === undefined) {
      unexplained += 1;
    }
    survivors.push(`- \`${file}:${mutant.location.start.line}\` ${mutant.status}: \`${key}\`\n  ${reason ?? '**Not explained yet: kill it with a test or explain it in test/mutation/survivors.json.**'}`);
  }
}
lines.push('', `## Surviving mutants (${survivors.length}, ${unexplained} not explained)`, '', ...survivors, '');
fs.writeFileSync(outputPath, lines.join('\n'));
console.log(lines.slice(0, 6 + Object.keys(report.files).length).join('\n'));
console.log(`${survivors.length} surviving mutants, ${unexplained} not explained: ${outputPath}`);
