/**
 * The member ids of a cluster-mode-disabled group created with `NumCacheClusters`: `<group id>-001` onwards,
 * one per node (replicas + 1). They name nodes, not roles, so a failover leaves them in place.
 */
export function memberIds(replicationGroupId: string, replicas: number): string[] {
  return Array.from({ length: replicas + 1 }, (_, index) => `${replicationGroupId}-${String(index + 1).padStart(3, '0')}`);
}
