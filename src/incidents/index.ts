export type { IncidentEvent, IncidentEventType } from './incident-events.js';
export { IncidentTracker } from './incident-tracker.js';
export { nextIncidentState, DEFAULT_CONFIRMATIONS, isBad } from './incident-state.js';
export type { IncidentState, Observation } from './incident-state.js';
export { recordIncidentEvent } from './record-incident-event.js';
