import type { TransportContext } from './context.js';
import { abortError } from './errors.js';

/** What a {@link Lifecycle} runs at each step. */
export interface LifecycleSteps {
  /** Binds to the node; may fail part way. */
  open(): Promise<void>;
  /** The opening completed: the transport is open. */
  opened(): void;
  /** Undoes an opening, whatever part of it was done (an opening that failed, or `stop()`). */
  close(): Promise<void>;
}

/**
 * The transport's life: closed, opening, open, closing, closed again (and it may open again). `open()` is
 * idempotent and can be given up with a signal (the transport then stops); a failed opening undoes what it
 * did. `stop()` is idempotent, reports nothing to the election from the moment it is called, and wins over
 * an opening in progress: it tears down once the opening is over.
 */
export class Lifecycle {
  private openPromise: Promise<void> | null = null;
  private closePromise: Promise<void> | null = null;

  constructor(
    private readonly context: Pick<TransportContext, 'state' | 'delivery'>,
    private readonly steps: LifecycleSteps,
  ) {}

  async open(signal: AbortSignal | undefined): Promise<void> {
    const { context } = this;
    if (signal?.aborted) throw abortError(signal);
    if (context.state === 'open') return;
    if (context.state === 'closing') await this.closePromise;
    if (this.openPromise === null) {
      context.state = 'opening';
      this.openPromise = this.steps.open().then(
        () => {
          // A stop() during the opening wins: it tears down once the opening is over.
          if (context.state !== 'opening') return;
          context.state = 'open';
          this.steps.opened();
        },
        async (error: unknown) => {
          await this.steps.close();
          context.state = 'closed';
          this.openPromise = null;
          throw error;
        },
      );
    }
    if (!signal) return this.openPromise;
    const opening = this.openPromise;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        reject(abortError(signal));
        void this.stop();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      opening.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async stop(): Promise<void> {
    const { context } = this;
    if (context.state === 'closed') return;
    if (this.closePromise === null) {
      const opening = this.openPromise;
      context.delivery.detach();
      context.state = 'closing';
      this.closePromise = (async () => {
        await opening?.catch(() => {});
        await this.steps.close();
      })().finally(() => {
        context.state = 'closed';
        this.closePromise = null;
        this.openPromise = null;
      });
    }
    return this.closePromise;
  }
}
