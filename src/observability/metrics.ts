import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per running app (tests build many apps in one process, so the
 * global registry would collide). Modules take the registry and register their
 * own metrics on it.
 */
export function createMetricsRegistry(withDefaults = true): Registry {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}

export type { Registry };
