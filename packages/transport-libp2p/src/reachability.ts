import type { TransportContext } from './context.js';
import { explainDialError } from './dial-errors.js';
import type { AddressDiagnostic } from './types.js';

/** The longest wait between two warnings, in ms (unless `2 × dialTimeout` is longer). */
const MAX_WARNING_INTERVAL = 60_000;
/** How many addresses a warning names; the rest are counted. */
const MAX_NAMED = 20;

/**
 * Says so when no peer has been reachable for a while: `2 × dialTimeout` after the transport opened alone or
 * its last peer left, if some dial failed meanwhile, a warning names each address that fails and why; then
 * again at doubling intervals (up to a minute) while it lasts. When a peer joins again after a warning, an
 * info line says so. Nothing is said when nothing failed (a cluster of one, mDNS finding nobody).
 */
export class Reachability {
  private since: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private warned = false;

  constructor(
    private readonly context: Pick<TransportContext, 'clusterId' | 'options' | 'log'>,
    /** The addresses whose latest attempt failed, with why. */
    private readonly failing: () => readonly AddressDiagnostic[],
  ) {}

  /** Since when no peer is connected (`performance.now()`), or null. */
  get noPeerSince(): number | null {
    return this.since;
  }

  /** `count` cluster peers are connected now (the transport opened, or a peer came or went). */
  update(count: number): void {
    if (count > 0) {
      if (this.warned && this.since !== null) {
        this.context.log.info('a peer of the cluster is reachable again', {
          after: Math.round(performance.now() - this.since),
        });
      }
      this.stop();
      return;
    }
    if (this.since !== null) return;
    this.since = performance.now();
    this.arm(2 * this.context.options.dialTimeout);
  }

  /** Stops watching (a peer is connected, or the transport stops). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.since = null;
    this.warned = false;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.check(delay), delay);
    this.timer.unref?.();
  }

  private check(delay: number): void {
    this.timer = null;
    if (this.since === null) return;
    const failing = this.failing();
    if (failing.length > 0) {
      this.warned = true;
      this.context.log.warn(this.message(failing, performance.now() - this.since), {
        addresses: failing.map(({ address, error, attempts, detail }) => ({
          address,
          error,
          attempts,
          detail,
        })),
      });
    }
    const ceiling = Math.max(MAX_WARNING_INTERVAL, 2 * this.context.options.dialTimeout);
    this.arm(Math.min(2 * delay, ceiling));
  }

  private message(failing: readonly AddressDiagnostic[], alone: number): string {
    const psk = this.context.options.preSharedKey !== undefined;
    const lines = failing.slice(0, MAX_NAMED).map((entry) => {
      const why = entry.error === null ? 'failing' : explainDialError(entry.error, psk);
      const tries = `${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}`;
      return `  ${entry.address}: ${why} (${tries}${entry.detail ? `; ${entry.detail}` : ''})`;
    });
    if (failing.length > MAX_NAMED) lines.push(`  … and ${failing.length - MAX_NAMED} more`);
    return (
      `no peer of cluster ${JSON.stringify(this.context.clusterId)} reachable for ${(alone / 1000).toFixed(1)} s; ` +
      `tried:\n${lines.join('\n')}`
    );
  }
}
