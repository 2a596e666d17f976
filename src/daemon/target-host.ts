import type { TargetDefaults, TargetDefinition } from '../config/target-definition.js';
import type { Store } from '../storage/store.js';
import type { TargetRegistry } from './target-registry.js';

/** The part of the daemon that target operations and config reload work on. */
export interface TargetHost {
  readonly store: Store;
  readonly registry: TargetRegistry;
  readonly defaults: TargetDefaults;
  schedule(target: TargetDefinition): void;
  unschedule(id: string): void;
}
