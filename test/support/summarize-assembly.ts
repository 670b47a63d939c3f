import * as fs from 'fs';
import * as path from 'path';

/**
 * Prints what a synthesized cloud assembly holds: per stack, where its template was written,
 * its resource counts by type, and its reader hostnames (from the stack outputs).
 */
function summarize(assemblyDir: string): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf-8'));
  for (const [name, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') {
      continue;
    }
    const templatePath = path.resolve(assemblyDir, artifact.properties.templateFile);
    const template = JSON.parse(fs.readFileSync(templatePath, 'utf-8'));
    const counts = new Map<string, number>();
    for (const resource of Object.values<any>(template.Resources ?? {})) {
      counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
    }
    console.log(`Stack ${name}`);
    console.log(`  template: ${templatePath}`);
    console.log(`  resources (${[...counts.values()].reduce((a, b) => a + b, 0)}):`);
    for (const [type, count] of [...counts.entries()].sort()) {
      console.log(`    ${String(count).padStart(3)}  ${type}`);
    }
    console.log('  hostnames:');
    for (const [key, output] of Object.entries<any>(template.Outputs ?? {})) {
      if (/Hostname/.test(key)) {
        console.log(`    ${key}: ${typeof output.Value === 'string' ? output.Value : JSON.stringify(output.Value)}`);
      }
    }
  }
}

summarize(process.argv[2] ?? 'cdk.out');
