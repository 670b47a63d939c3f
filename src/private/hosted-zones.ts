import { Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

/** What the construct can tell about a zone passed as `hostedZone`. */
export type ZoneKind =
  /** Defined in this app as a public zone, or imported with a factory that only imports public zones. */
  | { readonly kind: 'public'; readonly how: string }
  /** Imported with a factory that says nothing about the zone being private (such a zone is public or private). */
  | { readonly kind: 'unknown-import'; readonly how: string }
  /** Private, or something the construct cannot classify (a user's own IPrivateHostedZone). */
  | { readonly kind: 'private' };

/** The aws-cdk-lib factories whose imported zones are told apart, and what each says about the zone. */
const IMPORT_FACTORIES: Array<{ readonly how: string; readonly kind: 'public' | 'unknown-import' | 'private'; readonly make: (scope: Construct) => route53.IHostedZone }> = [
  { how: 'PrivateHostedZone.fromPrivateHostedZoneAttributes', kind: 'private', make: (scope) => route53.PrivateHostedZone.fromPrivateHostedZoneAttributes(scope, 'PrivateAttributes', { hostedZoneId: 'Z', zoneName: 'probe.internal' }) },
  { how: 'PrivateHostedZone.fromPrivateHostedZoneId', kind: 'private', make: (scope) => route53.PrivateHostedZone.fromPrivateHostedZoneId(scope, 'PrivateId', 'Z') },
  { how: 'PublicHostedZone.fromPublicHostedZoneAttributes', kind: 'public', make: (scope) => route53.PublicHostedZone.fromPublicHostedZoneAttributes(scope, 'PublicAttributes', { hostedZoneId: 'Z', zoneName: 'probe.internal' }) },
  { how: 'PublicHostedZone.fromPublicHostedZoneId', kind: 'public', make: (scope) => route53.PublicHostedZone.fromPublicHostedZoneId(scope, 'PublicId', 'Z') },
  { how: 'HostedZone.fromHostedZoneAttributes (or fromLookup)', kind: 'unknown-import', make: (scope) => route53.HostedZone.fromHostedZoneAttributes(scope, 'Attributes', { hostedZoneId: 'Z', zoneName: 'probe.internal' }) },
  { how: 'HostedZone.fromHostedZoneId', kind: 'unknown-import', make: (scope) => route53.HostedZone.fromHostedZoneId(scope, 'Id', 'Z') },
];

let importClassSources: Map<string, Array<(typeof IMPORT_FACTORIES)[number]>> | undefined;

/**
 * Each factory builds its zone from a class declared inside it, a new class per call and all named `Import`, so
 * `instanceof` cannot tell them apart. Their source text can: call each factory once, in a throwaway tree outside
 * the user's app, and remember which factories produce which class text. Where two factories share the text (in
 * aws-cdk-lib 2.224 every `from...Attributes` does), a zone of that text counts as possibly private.
 */
function sourcesByClassText(): Map<string, Array<(typeof IMPORT_FACTORIES)[number]>> {
  if (!importClassSources) {
    const scope = new Stack(new Construct(undefined as unknown as Construct, ''), 'HostedZoneImportProbe');
    importClassSources = new Map();
    for (const factory of IMPORT_FACTORIES) {
      const text = classText(factory.make(scope));
      importClassSources.set(text, [...(importClassSources.get(text) ?? []), factory]);
    }
  }
  return importClassSources;
}

function classText(zone: object): string {
  return Function.prototype.toString.call(zone.constructor);
}

/** Whether this aws-cdk-lib lets the construct tell `HostedZone.fromHostedZoneAttributes` from the private import. */
export function canTellImportedZonesApart(): boolean {
  return [...sourcesByClassText().values()].every((factories) => new Set(factories.map((factory) => factory.kind)).size === 1);
}

/** Classifies a zone given as `hostedZone`. */
export function classifyZone(zone: route53.IHostedZone): ZoneKind {
  if (zone instanceof route53.PublicHostedZone) {
    return { kind: 'public', how: 'new PublicHostedZone' };
  }
  if (zone instanceof route53.HostedZone && !(zone instanceof route53.PrivateHostedZone)) {
    // `vpcs` is protected; a HostedZone is private exactly when it has one.
    return (zone as unknown as { readonly vpcs: unknown[] }).vpcs.length === 0 ? { kind: 'public', how: 'new HostedZone without vpcs' } : { kind: 'private' };
  }
  if (zone instanceof route53.HostedZone) {
    return { kind: 'private' };
  }
  const factories = sourcesByClassText().get(classText(zone)) ?? [];
  if (factories.length === 0 || factories.some((factory) => factory.kind === 'private')) {
    return { kind: 'private' };
  }
  const factory = factories[0];
  return { kind: factory.kind === 'public' ? 'public' : 'unknown-import', how: factory.how };
}
