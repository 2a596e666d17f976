import type { ChannelRoute } from '../config/channel-config.js';
import type { AlertEvent } from './alert-event.js';

/**
 * Does a channel get this alert? No route: every alert. With a route, a target's alert goes
 * to the channel when the target is listed in `targets` (by id or name) or carries one of
 * `tags` — a union, so "these two targets and everything tagged prod" is one route; a route
 * that lists neither takes every target. Probe alerts concern no target: `probe` decides.
 * Tests are sent to the channel named, never routed.
 */
export function isRouted(route: ChannelRoute | null, event: AlertEvent): boolean {
  if (route === null || event.type === 'test') return true;
  if (!('target' in event)) return route.probe;
  if (route.targets.length === 0 && route.tags.length === 0) return true;
  const { id, name, tags } = event.target;
  return route.targets.includes(id) || route.targets.includes(name) || tags.some((t) => route.tags.includes(t));
}
