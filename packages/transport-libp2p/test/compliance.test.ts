import type { Transport } from '@baton/core';
import { transportComplianceTests } from '@baton/core/testing';
import { gossipsub } from '@libp2p/gossipsub';
import { identify, identifyPush } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p } from 'libp2p';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePromiseWithResolvers, libp2pTransport, loadOrCreatePeerKey } from '../src/index.js';
import { freePorts, quietLogger, tempDir } from './helpers.js';

// The suite's messages are for cluster 'compliance'.
const clusterId = 'compliance';
const api = { describe, it, expect, beforeEach, afterEach };

/** Keys and ports decided before start, so every transport can name every other in `bootstrap`. */
async function plan(count: number, cleanups: (() => Promise<void>)[]) {
  const ports = await freePorts(count);
  return Promise.all(
    ports.map(async (port) => {
      const dir = await tempDir();
      cleanups.push(dir.remove);
      const privateKey = await loadOrCreatePeerKey(dir.path);
      const id = peerIdFromPrivateKey(privateKey).toString();
      return { dir: dir.path, privateKey, port, address: `/ip4/127.0.0.1/tcp/${port}/p2p/${id}` };
    }),
  );
}

{
  const cleanups: (() => Promise<void>)[] = [];
  transportComplianceTests(api, {
    name: 'libp2pTransport (own node, real TCP on 127.0.0.1)',
    async create(count): Promise<Transport[]> {
      const nodes = await plan(count, cleanups);
      return nodes.map((node, i) =>
        libp2pTransport({
          clusterId,
          dataDir: node.dir,
          listen: [`/ip4/127.0.0.1/tcp/${node.port}`],
          bootstrap: nodes.filter((_, j) => j !== i).map((other) => other.address),
          logger: quietLogger,
        }),
      );
    },
    async teardown() {
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    },
    timeout: 10_000,
    settleDelay: 100,
  });
}

{
  const cleanups: (() => Promise<void>)[] = [];
  const nodes: Libp2p[] = [];
  transportComplianceTests(api, {
    name: 'libp2pTransport({ node }) on a libp2p node the application owns',
    async create(count): Promise<Transport[]> {
      ensurePromiseWithResolvers();
      const planned = await plan(count, cleanups);
      return Promise.all(
        planned.map(async (node, i) => {
          const libp2p = await createLibp2p({
            privateKey: node.privateKey,
            addresses: { listen: [`/ip4/127.0.0.1/tcp/${node.port}`] },
            transports: [tcp()],
            connectionEncrypters: [noise()],
            streamMuxers: [yamux()],
            services: {
              identify: identify(),
              identifyPush: identifyPush(),
              pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
            },
          });
          nodes.push(libp2p);
          return libp2pTransport({
            clusterId,
            node: libp2p,
            bootstrap: planned.filter((_, j) => j !== i).map((other) => other.address),
            logger: quietLogger,
          });
        }),
      );
    },
    async teardown() {
      await Promise.all(nodes.splice(0).map((node) => node.stop()));
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    },
    timeout: 10_000,
    settleDelay: 100,
  });
}
