import type { ClusterStats, TargetView } from '../daemon/daemon-handle.js';
import { redactSpec } from '../domain/redact.js';

/**
 * The JSON form of a target in API responses. The daemon already hands out redacted views;
 * the API redacts again (src/domain/redact.ts, idempotent) so a bug there cannot leak a
 * secret through a response. Many nodes (docs/cluster.md): `regionsWithoutLiveNode` names
 * the target's regions it is not checked from right now (a region may be named before its
 * first node starts: allowed, and reported here); absent for one node alone.
 */
export function targetJson(view: TargetView, cluster: ClusterStats | undefined): Record<string, unknown> {
  return {
    id: view.id,
    name: view.name,
    source: view.source,
    kind: view.spec.kind,
    spec: redactSpec(view.spec),
    intervalMs: view.intervalMs,
    tags: view.tags,
    enabled: view.enabled,
    confirmations: view.confirmations,
    allowPrivateTargets: view.allowPrivateTargets,
    regions: view.regions,
    quorum: view.quorum,
    ...(cluster === undefined ? {} : { regionsWithoutLiveNode: regionsWithoutLiveNodeOf(view, cluster) }),
    phaseMs: view.phaseMs,
  };
}

/** The target's regions with no live node now: of its own list, or (no list) of every region a node registered in. */
function regionsWithoutLiveNodeOf(view: TargetView, cluster: ClusterStats): string[] {
  if (view.regions === null) return [...cluster.regionsWithoutLiveNode];
  const live = new Set(cluster.regions.filter((r) => r.liveNodes > 0).map((r) => r.name));
  return view.regions.filter((r) => !live.has(r));
}
