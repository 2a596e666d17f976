import type { TargetView } from '../daemon/daemon-handle.js';
import { redactSpec } from '../domain/redact.js';

/**
 * The JSON form of a target in API responses. The daemon already hands out redacted views;
 * the API redacts again (src/domain/redact.ts, idempotent) so a bug there cannot leak a
 * secret through a response.
 */
export function targetJson(view: TargetView): Record<string, unknown> {
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
    phaseMs: view.phaseMs,
  };
}
