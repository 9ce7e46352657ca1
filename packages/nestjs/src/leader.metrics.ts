import { InvalidOptionError, type LeaderElection } from '@baton/core';
import { type BatonMetrics, defaultRegistry, registerBatonMetrics } from '@baton/core/metrics';
import type {
  LeaderMetricsOptions,
  LeaderModuleOptions,
} from './interfaces/leader-module-options.interface.js';
import {
  LIBP2P_METRICS_NOT_INSTALLED,
  LIBP2P_METRICS_WITHOUT_LIBP2P,
  METRICS_NOT_OPTIONS,
} from './leader.messages.js';

/* A variable, not a literal: neither tsc nor a bundler should resolve the optional peer dependency. */
const LIBP2P_METRICS_PACKAGE = '@libp2p/prometheus-metrics';

/** The `metrics` option checked, or `null` when metrics are off. */
export function metricsOptions(
  options: LeaderModuleOptions,
): (Required<Pick<LeaderMetricsOptions, 'libp2p'>> & LeaderMetricsOptions) | null {
  const { metrics } = options;
  if (metrics === undefined || metrics === false) return null;
  if (metrics === true) return { libp2p: false };
  if (metrics === null || typeof metrics !== 'object') {
    throw new InvalidOptionError('metrics', metrics, METRICS_NOT_OPTIONS);
  }
  for (const [name, value] of Object.entries(metrics)) {
    if (name === 'libp2p' && value !== undefined && typeof value !== 'boolean') {
      throw new InvalidOptionError('metrics.libp2p', value, 'must be true or false');
    }
    if (name !== 'libp2p' && name !== 'registry') {
      throw new InvalidOptionError(`metrics.${name}`, value, METRICS_NOT_OPTIONS);
    }
  }
  if (metrics.libp2p === true && options.libp2p === undefined) {
    throw new InvalidOptionError('metrics.libp2p', true, LIBP2P_METRICS_WITHOUT_LIBP2P);
  }
  return { ...metrics, libp2p: metrics.libp2p === true };
}

/**
 * libp2p's metrics for the transport the module builds, on the registry of the module's metrics; `undefined`
 * when they are off.
 */
export async function libp2pMetrics(options: LeaderModuleOptions): Promise<unknown> {
  const metrics = metricsOptions(options);
  if (metrics === null || !metrics.libp2p) return undefined;
  let module: { prometheusMetrics?: (init: object) => unknown };
  try {
    module = await import(LIBP2P_METRICS_PACKAGE);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new InvalidOptionError('metrics.libp2p', true, LIBP2P_METRICS_NOT_INSTALLED);
    }
    throw error;
  }
  if (typeof module.prometheusMetrics !== 'function') {
    throw new InvalidOptionError('metrics.libp2p', true, LIBP2P_METRICS_NOT_INSTALLED);
  }
  // The process metrics (nodejs_*, process_*) stay off: the app's registry usually has them already.
  return module.prometheusMetrics({
    registry: metrics.registry ?? defaultRegistry(),
    collectDefaultMetrics: false,
  });
}

const registered = new WeakMap<LeaderElection, BatonMetrics>();

/** Registers the election's metrics when the module's options ask for them. */
export function registerModuleMetrics(election: LeaderElection, options: LeaderModuleOptions): void {
  const metrics = metricsOptions(options);
  if (metrics === null) return;
  registered.set(
    election,
    registerBatonMetrics(election, metrics.registry === undefined ? {} : { registry: metrics.registry }),
  );
}

/** Takes the election's metrics off their registry (at shutdown). */
export function unregisterModuleMetrics(election: LeaderElection): void {
  registered.get(election)?.unregister();
  registered.delete(election);
}
