import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { MissingDependencyError } from '../errors.js';

/** prom-client, the optional peer dependency, loaded on first use (it is CommonJS: `require` is synchronous). */
let loaded: typeof PromClient | null = null;

/** prom-client, or a `MissingDependencyError` naming it when it is not installed. */
export function promClient(feature: string): typeof PromClient {
  if (loaded !== null) return loaded;
  try {
    loaded = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError('prom-client', feature, { cause: error });
    }
    throw error;
  }
  return loaded;
}
