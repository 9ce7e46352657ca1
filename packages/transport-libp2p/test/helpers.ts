import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AutopilotOptions,
  type DropReason,
  type ElectionMessage,
  LeaderElection,
  MemoryStateStore,
  type NodeId,
  type TransportHandlers,
} from '@baton/core';
import { afterEach } from 'vitest';
import { type Libp2pTransport, type Libp2pTransportOptions, libp2pTransport } from '../src/index.js';

/** Options every test node uses: loopback only, quiet logger. */
export const quietLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (message: string, context?: Record<string, unknown>) => console.error(message, context),
};

export function testTransport(options: Partial<Libp2pTransportOptions> & { clusterId?: string } = {}) {
  return libp2pTransport({
    clusterId: 'test',
    listen: options.node ? undefined : ['/ip4/127.0.0.1/tcp/0'],
    logger: quietLogger,
    ...options,
  } as Libp2pTransportOptions);
}

/**
 * Waits until `condition` holds, polling on a short interval; fails after `timeout`. `explain` adds the state
 * that matters to the failure message, so a CI failure says what the nodes saw.
 */
export async function eventually(
  condition: () => boolean,
  timeout = 10_000,
  what = 'condition',
  explain?: () => unknown,
): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) {
      const detail = explain === undefined ? '' : `\n${JSON.stringify(explain(), null, 1)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Handlers that record everything a transport reports. */
export class Recorder implements TransportHandlers {
  readonly messages: ElectionMessage[] = [];
  readonly broadcasts: { from: NodeId; payload: Uint8Array }[] = [];
  readonly connected = new Set<NodeId>();
  readonly events: string[] = [];
  readonly dropped: { reason: DropReason; detail: string }[] = [];

  onMessage(message: ElectionMessage): void {
    this.messages.push(message);
  }
  onBroadcast(from: NodeId, payload: Uint8Array): void {
    this.broadcasts.push({ from, payload });
  }
  onPeerConnected(peer: NodeId): void {
    this.connected.add(peer);
    this.events.push(`+${peer}`);
  }
  onPeerDisconnected(peer: NodeId): void {
    this.connected.delete(peer);
    this.events.push(`-${peer}`);
  }
  onDropped(reason: DropReason, detail: string): void {
    this.dropped.push({ reason, detail });
  }
}

export async function tempDir(
  prefix = 'baton-libp2p-',
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Starts `count` transports, each bootstrapped to all the ones before it; returns them with their recorders. */
export async function startMesh(
  count: number,
  options: Partial<Libp2pTransportOptions> = {},
): Promise<{ transports: Libp2pTransport[]; recorders: Recorder[]; stop: () => Promise<void> }> {
  const transports: Libp2pTransport[] = [];
  const recorders: Recorder[] = [];
  for (let i = 0; i < count; i++) {
    const transport = testTransport({ ...options, bootstrap: transports.flatMap((t) => t.addresses()) });
    const recorder = new Recorder();
    await transport.start(recorder);
    transports.push(transport);
    recorders.push(recorder);
  }
  await eventually(
    () => transports.every((t) => t.peers().length === count - 1),
    15_000,
    'every transport to see every other',
  );
  return {
    transports,
    recorders,
    stop: async () => void (await Promise.all(transports.map((t) => t.stop()))),
  };
}

/** `count` TCP ports free on 127.0.0.1 right now (held open together, so they are distinct). */
export async function freePorts(count: number): Promise<number[]> {
  const { createServer } = await import('node:net');
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * What a test file made, undone after each test: `cleanup(fn)` runs `fn`, `later(thing)` stops `thing`, `dir()`
 * makes a temporary directory that is removed. Call once at the top of a test file.
 */
export function cleanupAfterEach() {
  const pending: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(pending.splice(0).map((undo) => undo().catch(() => {})));
  });
  return {
    cleanup(undo: () => Promise<unknown>): void {
      pending.push(undo);
    },
    later<T extends { stop(): unknown }>(thing: T): T {
      pending.push(async () => thing.stop());
      return thing;
    },
    async dir(): Promise<string> {
      const { path, remove } = await tempDir();
      pending.push(remove);
      return path;
    },
  };
}

/**
 * A `LeaderElection` of cluster `test` over `transport`, in memory and quiet: the election these tests start
 * on a real transport. `autopilot` as `LeaderElection` takes it (its defaults when omitted).
 */
export function testElection(
  transport: Libp2pTransport,
  voters: readonly string[],
  autopilot?: AutopilotOptions,
): LeaderElection {
  return new LeaderElection({
    clusterId: 'test',
    transport,
    voters,
    store: new MemoryStateStore(),
    logger: quietLogger,
    ...(autopilot === undefined ? {} : { autopilot }),
  });
}
