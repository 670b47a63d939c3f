import * as fs from 'fs';
import * as path from 'path';

/** One warning or error annotation of a synthesized cloud assembly. */
export interface AssemblyMessage {
  readonly level: 'warning' | 'error';
  readonly path: string;
  readonly message: string;
}

/**
 * Every warning and error a cloud assembly carries, read from its manifests, as the aws-cdk CLI
 * prints them after `cdk synth` (nested assemblies included).
 */
export function assemblyMessages(assemblyDir: string): AssemblyMessage[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf-8'));
  const messages: AssemblyMessage[] = [];
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    for (const [constructPath, entries] of Object.entries<any[]>(artifact.metadata ?? {})) {
      for (const entry of entries) {
        if (entry.type === 'aws:cdk:warning' || entry.type === 'aws:cdk:error') {
          messages.push({ level: entry.type === 'aws:cdk:warning' ? 'warning' : 'error', path: constructPath, message: String(entry.data) });
        }
      }
    }
    if (artifact.type === 'cdk:cloud-assembly') {
      messages.push(...assemblyMessages(path.join(assemblyDir, artifact.properties.directoryName)));
    }
  }
  return messages;
}

/** The stack templates of a cloud assembly, by artifact id. */
export function assemblyTemplates(assemblyDir: string): Record<string, any> {
  const manifest = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf-8'));
  const templates: Record<string, any> = {};
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack') {
      templates[id] = JSON.parse(fs.readFileSync(path.join(assemblyDir, artifact.properties.templateFile), 'utf-8'));
    }
  }
  return templates;
}
