/**
 * Installs `Promise.withResolvers` when the runtime lacks it (Node 20; it arrived in Node 22). libp2p 3
 * calls it, and fails with `TypeError: Promise.withResolvers is not a function` without it. Does nothing
 * where it exists. `libp2pTransport` calls this itself before it creates a libp2p node; call it yourself
 * before `createLibp2p()` when you bring your own node.
 *
 * @example
 * ```ts
 * import { ensurePromiseWithResolvers } from '@baton/transport-libp2p';
 * import { noise } from '@libp2p/noise';
 * import { tcp } from '@libp2p/tcp';
 * import { yamux } from '@libp2p/yamux';
 * import { createLibp2p } from 'libp2p';
 * ensurePromiseWithResolvers();
 * const node = await createLibp2p({
 *   addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
 *   transports: [tcp()],
 *   connectionEncrypters: [noise()],
 *   streamMuxers: [yamux()],
 * });
 * console.log(node.peerId.toString());
 * await node.stop();
 * ```
 */
export function ensurePromiseWithResolvers(): void {
  const promise = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof promise.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
