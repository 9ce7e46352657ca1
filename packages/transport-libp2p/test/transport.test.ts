import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError, LeaderElection, MemoryStateStore } from '@baton/core';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { identify, identifyPush } from '@libp2p/identify';
import type { Libp2p, Stream } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { describe, expect, it } from 'vitest';
import { encodeElectionMessage, encodeHelloFrame, encodeLeaveFrame, encodePeersFrame } from '../src/codec.js';
import { FrameReader, lengthPrefixed } from '../src/framing.js';
import { encodeGossipBroadcast, encodeLeaderAnnouncement } from '../src/gossip-codec.js';
import {
  createSwarmKey,
  ExpectMismatchError,
  ensurePromiseWithResolvers,
  type Libp2pTransport,
  libp2pTransport,
  PeerKeyError,
  resolveVoters,
  TransportNotOpenError,
  VotersFileError,
} from '../src/index.js';
import { ElectionFrame } from '../src/protocol/frames.js';
import { cleanupAfterEach, eventually, quietLogger, Recorder, startMesh, testTransport } from './helpers.js';

const { cleanup, later, dir } = cleanupAfterEach();

/**
 * A bare libp2p node on 127.0.0.1 (not a Baton transport) that speaks whatever bytes a test gives it, with the
 * services a test asks for; stopped after the test.
 */
async function rawNode(services: Record<string, (components: never) => unknown> = {}): Promise<Libp2p> {
  ensurePromiseWithResolvers();
  return later(
    await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: services as never,
    }),
  );
}

/** A new, valid peer id (of a key nobody holds). */
async function somePeerId(): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
}

/**
 * Whether a raw gossipsub node can publish to `peer` now: gossipsub learns a subscription over the peer's
 * stream and sends over its own outbound stream, which may open later, and a message published before it
 * exists is dropped, not queued.
 */
function gossipReaches(raw: Libp2p, topic: string, peer: string): boolean {
  const pubsub = raw.services.pubsub as GossipSub;
  return (
    pubsub.getSubscribers(topic).map(String).includes(peer) &&
    raw
      .getConnections()
      .some(
        (connection) =>
          connection.remotePeer.toString() === peer &&
          connection.streams.some((s) => s.direction === 'outbound' && s.protocol.includes('meshsub')),
      )
  );
}

describe('options', () => {
  it('rejects bad options with an error naming the option', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'clusterId'],
      [{ clusterId: 'has/slash' }, 'clusterId'],
      [{ clusterId: 'c', listen: ['not a multiaddr'] }, 'listen[0]'],
      [{ clusterId: 'c', bootstrap: ['/tcp/1'] }, 'bootstrap[0]'],
      [{ clusterId: 'c', bootstrap: ['/ip4/127.0.0.1/tcp/1', 'nonsense'] }, 'bootstrap[1]'],
      [{ clusterId: 'c', bootstrapRefreshInterval: 10 }, 'bootstrapRefreshInterval'],
      [{ clusterId: 'c', resolveDns: 'dns' }, 'resolveDns'],
      [{ clusterId: 'c', bootstrap: '/ip4/127.0.0.1/tcp/1' }, 'bootstrap'],
      [{ clusterId: 'c', dialTimeout: 0 }, 'dialTimeout'],
      [{ clusterId: 'c', maxFrameSize: 10 }, 'maxFrameSize'],
      [{ clusterId: 'c', maxQueuedFrames: 1.5 }, 'maxQueuedFrames'],
      [{ clusterId: 'c', leaderAnnounceInterval: -1 }, 'leaderAnnounceInterval'],
      [{ clusterId: 'c', maxRedialAttempts: -1 }, 'maxRedialAttempts'],
      [{ clusterId: 'c', mdns: 'yes' }, 'mdns'],
      [{ clusterId: 'c', allow: 'everyone' }, 'allow'],
      [{ clusterId: 'c', preSharedKey: new Uint8Array([1, 2, 3]) }, 'preSharedKey'],
      [{ clusterId: 'c', preSharedKey: '/nonexistent/swarm.key' }, 'preSharedKey'],
      [{ clusterId: 'c', dataDir: '' }, 'dataDir'],
      [{ clusterId: 'c', node: { handle: () => {} }, mdns: true }, 'mdns'],
      [{ clusterId: 'c', node: {} }, 'node'],
      [{ clusterId: 'c', logger: { warn: () => {}, error: () => {} } }, 'logger'],
      [{ clusterId: 'c', bootstrapp: ['/dns4/svc/tcp/4001'] }, 'bootstrapp'],
    ];
    for (const [options, option] of bad) {
      let error: unknown;
      try {
        libp2pTransport(options as never);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });

  it('rejects an unknown option with the name it may have meant', () => {
    expect(() => libp2pTransport({ clusterId: 'c', bootstrapp: [] } as never)).toThrow(
      /bootstrapp.*did you mean bootstrap\?/,
    );
    expect(() => libp2pTransport({ clusterId: 'c', elephant: 1 } as never)).toThrow(
      /elephant.*known options/,
    );
  });

  it('accepts bootstrap addresses with or without a peer id, IP addresses and DNS names', async () => {
    const id = await somePeerId();
    const bootstrap = [
      '/ip4/10.0.0.7/tcp/4001',
      '/ip6/::1/tcp/4001',
      '/dns4/billing-headless/tcp/4001',
      '/dns/billing-headless.default.svc.cluster.local/tcp/4001',
      `/ip4/10.0.0.8/tcp/4001/p2p/${id}`,
    ];
    expect(() => libp2pTransport({ clusterId: 'c', bootstrap })).not.toThrow();
  });

  it('accepts a swarm key made by createSwarmKey, as bytes or as a file', async () => {
    const key = createSwarmKey();
    const path = join(await dir(), 'swarm.key');
    await writeFile(path, key, { mode: 0o600 });
    expect(() => libp2pTransport({ clusterId: 'c', preSharedKey: key })).not.toThrow();
    expect(() => libp2pTransport({ clusterId: 'c', preSharedKey: path })).not.toThrow();
  });

  it('accepts the swarm keys @libp2p/pnet accepts, and only those (it is imported only when a key is used)', async () => {
    const { generateKey, preSharedKey } = await import('@libp2p/pnet');
    const pnetKey = new Uint8Array(95);
    generateKey(pnetKey);
    const hex = 'ab'.repeat(32);
    const keys = [
      pnetKey,
      createSwarmKey(),
      `/key/swarm/psk/1.0.0/\r\n/base16/\r\n${hex}`,
      `/key/swarm/psk/1.0.0/\n/base16/\n${hex}\n`,
      `/key/swarm/psk/1.0.0/\n/base16/\n${hex.toUpperCase()}`,
      `/key/swarm/psk/1.0.0/\n/base16/\n${hex.slice(2)}`,
      `/key/swarm/psk/1.0.0/\n/base16/\n${hex} `,
      `/key/swarm/psk/1.0.0/\n${hex}`,
      '',
    ].map((key) => (typeof key === 'string' ? new TextEncoder().encode(key) : key));
    for (const key of keys) {
      let pnetAccepts = true;
      try {
        preSharedKey({ psk: key })();
      } catch {
        pnetAccepts = false;
      }
      const accepts = () => libp2pTransport({ clusterId: 'c', preSharedKey: key });
      if (pnetAccepts) expect(accepts).not.toThrow();
      else expect(accepts).toThrow(InvalidOptionError);
    }
  });
});

describe('resolveVoters', () => {
  it('resolves peer ids and multiaddrs with /p2p/ into sorted ids and dial addresses', async () => {
    const [a, b] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')]);
    const idA = peerIdFromPrivateKey(a).toString();
    const idB = peerIdFromPrivateKey(b).toString();
    const { voters, addresses } = resolveVoters([`/ip4/10.0.0.1/tcp/4001/p2p/${idB}`, idA, idB]);
    expect(voters).toEqual([idA, idB].sort());
    expect(addresses.map(String)).toEqual([`/ip4/10.0.0.1/tcp/4001/p2p/${idB}`]);
    expect(resolveVoters([multiaddr(`/ip4/10.0.0.2/tcp/1/p2p/${idA}`)]).voters).toEqual([idA]);
  });

  it('names the bad entry', () => {
    expect(() => resolveVoters(['/ip4/10.0.0.1/tcp/4001'])).toThrow(/voters\[0\].*\/p2p/);
    expect(() => resolveVoters(['12D3KooWnotapeerid'])).toThrow(/voters\[0\].*not a peer id/);
  });
});

describe('identity', () => {
  it('keeps the peer id across restarts, in a key file of mode 0600', async () => {
    const dataDir = await dir();
    const first = testTransport({ dataDir });
    await first.open();
    const id = first.localId;
    await first.stop();
    const second = later(testTransport({ dataDir }));
    await second.open();
    expect(second.localId).toBe(id);
    expect((await stat(join(dataDir, 'peer-key'))).mode & 0o777).toBe(0o600);
  });

  it('without a data directory, keeps its id across stop() and start() of the same transport', async () => {
    const transport = later(testTransport());
    await transport.open();
    const id = transport.localId;
    await transport.stop();
    await transport.start(new Recorder());
    expect(transport.localId).toBe(id);
  });

  it('refuses a corrupt key file, naming it, and leaves it alone', async () => {
    const dataDir = await dir();
    const path = join(dataDir, 'peer-key');
    await writeFile(path, 'not a key');
    await chmod(path, 0o600);
    const transport = testTransport({ dataDir });
    const error = await transport.open().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PeerKeyError);
    expect((error as PeerKeyError).code).toBe('ERR_PEER_KEY');
    expect((error as PeerKeyError).path).toBe(path);
    expect((error as Error).message).toContain(path);
    expect(await readFile(path, 'utf8')).toBe('not a key');
  });
});

describe('election traffic', () => {
  it('reuses one stream per peer for every message', async () => {
    const mesh = await startMesh(2);
    cleanup(mesh.stop);
    const [a, b] = mesh.transports as [Libp2pTransport, Libp2pTransport];
    for (let round = 1; round <= 200; round++) {
      a.send({
        type: 'heartbeat',
        cluster: 'test',
        from: a.localId,
        to: b.localId,
        term: 1,
        round,
        configuration: { term: 1, version: 1 },
      });
    }
    await eventually(() => mesh.recorders[1]!.messages.length === 200, 10_000, '200 messages');
    expect(mesh.recorders[1]!.messages.map((m) => (m.type === 'heartbeat' ? m.round : 0))).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    expect(a.stats().streamsOpened).toBe(1);
  });

  it('reopens a broken stream and keeps delivering', async () => {
    const mesh = await startMesh(2);
    cleanup(mesh.stop);
    const [a, b] = mesh.transports as [Libp2pTransport, Libp2pTransport];
    const heartbeat = (round: number) =>
      a.send({
        type: 'heartbeat',
        cluster: 'test',
        from: a.localId,
        to: b.localId,
        term: 1,
        round,
        configuration: { term: 1, version: 1 },
      });
    heartbeat(1);
    await eventually(() => mesh.recorders[1]!.messages.length === 1);
    const connection = a.node!.getConnections(b.node!.peerId)[0]!;
    for (const stream of connection.streams.filter((s) => s.protocol === a.protocol)) {
      stream.abort(new Error('test: break the stream'));
    }
    await eventually(
      () => {
        heartbeat(2);
        return mesh.recorders[1]!.messages.some((m) => m.type === 'heartbeat' && m.round === 2);
      },
      10_000,
      'a message after the stream broke',
    );
    expect(a.stats().streamsOpened).toBeGreaterThanOrEqual(2);
  });

  it('drops and reports bad frames from a peer without crashing or stalling', async () => {
    // Debug traces go to the transport's one logger, like its warnings.
    const traced: unknown[] = [];
    const logger = {
      ...quietLogger,
      debug: (message: string, context?: object) => traced.push({ message, ...context }),
    };
    const transport = later(testTransport({ maxFrameSize: 1024, logger }));
    const recorder = new Recorder();
    await transport.start(recorder);
    const attacker = await rawNode();
    const me = attacker.peerId.toString();
    const to = transport.localId;
    const stream = await attacker.dialProtocol(transport.addresses()[0]!, transport.protocol, {
      signal: AbortSignal.timeout(5000),
    });
    const good = (term: number) =>
      lengthPrefixed(encodeElectionMessage({ type: 'timeout-now', cluster: 'test', from: me, to, term }));
    const frames = [
      lengthPrefixed(new Uint8Array(5000).fill(1)), // over maxFrameSize
      lengthPrefixed(new Uint8Array([0xff, 0xff, 0xff])), // does not decode
      lengthPrefixed(encodeElectionMessage({ type: 'timeout-now', cluster: 'other', from: me, to, term: 1 })),
      lengthPrefixed(encodeElectionMessage({ type: 'timeout-now', cluster: 'test', from: to, to, term: 1 })), // spoofed from
      lengthPrefixed(
        encodeElectionMessage({ type: 'timeout-now', cluster: 'test', from: me, to: me, term: 1 }),
      ),
      lengthPrefixed(
        new Uint8Array([0x08, 0x63, ...ElectionFrame.encode({ cluster: 'test', from: me, to })]),
      ), // type 99
      good(7),
    ];
    for (const frame of frames) stream.send(frame);
    await eventually(() => recorder.messages.length === 1, 10_000, 'the good frame after the bad ones');
    expect(recorder.messages[0]).toMatchObject({ type: 'timeout-now', from: me, term: 7 });
    expect(recorder.dropped.map((d) => d.reason)).toEqual([
      'invalid',
      'invalid',
      'wrong-cluster',
      'invalid',
      'misaddressed',
      'invalid',
    ]);
    expect(transport.stats().dropped).toMatchObject({ invalid: 4, 'wrong-cluster': 1, misaddressed: 1 });
    expect(traced).toContainEqual(
      expect.objectContaining({ message: 'dropped a frame', reason: 'misaddressed' }),
    );
    // An unreadable length prefix closes that stream only; the node goes on.
    stream.send(new Uint8Array(10).fill(0xff));
    await eventually(() => recorder.dropped.length === 7, 10_000, 'the unreadable prefix to be reported');
    const again = await attacker.dialProtocol(transport.addresses()[0]!, transport.protocol, {
      signal: AbortSignal.timeout(5000),
    });
    again.send(good(8));
    await eventually(() => recorder.messages.length === 2, 10_000, 'a frame on a new stream');
  });
});

describe('PEERS frames', () => {
  it('uses one PEERS frame per connection, even when its peer leaves and greets again on it', async () => {
    const transport = later(testTransport());
    const recorder = new Recorder();
    await transport.start(recorder);
    const attacker = await rawNode();
    const from = attacker.peerId.toString();
    const envelope = { cluster: 'test', from, to: transport.localId };
    // Addresses to make the transport dial (nothing listens there).
    const peers = [{ id: await somePeerId(), addrs: [multiaddr('/ip4/127.0.0.1/tcp/9').bytes] }];
    const stream = await attacker.dialProtocol(transport.addresses()[0]!, transport.protocol, {
      signal: AbortSignal.timeout(5000),
    });
    for (const frame of [
      encodeHelloFrame({ ...envelope, configuration: { term: 0, version: 0 } }),
      encodePeersFrame({ ...envelope, peers }),
      encodeLeaveFrame(envelope),
      encodeHelloFrame({ ...envelope, configuration: { term: 0, version: 0 } }),
      encodePeersFrame({ ...envelope, peers }),
      encodeElectionMessage({ type: 'timeout-now', ...envelope, term: 5 }), // the barrier
    ]) {
      stream.send(lengthPrefixed(frame));
    }
    await eventually(() => recorder.messages.length === 1, 10_000, 'the frame after the PEERS frames');
    expect(recorder.events).toEqual([`+${from}`, `-${from}`, `+${from}`]);
    expect(recorder.dropped.map((d) => d.reason)).toEqual(['unexpected']);
    expect(recorder.dropped[0]!.detail).toContain('second PEERS frame');
  });
});

/**
 * A bare libp2p node that speaks the election protocol by hand with `transport`: it records every frame the
 * transport sends it (`heard`), and has a stream open to it (`stream`; nothing sent on it yet).
 */
async function rawPeerOf(transport: Libp2pTransport) {
  const peer = await rawNode({ identify: identify() });
  const from = peer.peerId.toString();
  const heard: ElectionFrame[] = [];
  const reader = new FrameReader(1 << 20);
  await peer.handle(transport.protocol, (stream) => {
    stream.addEventListener('message', (event) =>
      reader.push(event.data, {
        frame: (bytes) => void heard.push(ElectionFrame.decode(bytes)),
        oversized: () => {},
        unreadable: () => {},
      }),
    );
  });
  const stream = await peer.dialProtocol(transport.addresses()[0]!, transport.protocol, {
    signal: AbortSignal.timeout(5000),
  });
  return { from, heard, stream, envelope: { cluster: 'test', from, to: transport.localId } };
}

describe('election groups on the wire', () => {
  it("a group's messages go only to a peer whose HELLO says it understands groups", async () => {
    const transport = later(testTransport());
    await transport.start(new Recorder());
    const { from, heard, stream, envelope } = await rawPeerOf(transport);
    // An older peer's HELLO: no `groups`.
    stream.send(lengthPrefixed(ElectionFrame.encode({ kind: ElectionFrame.Kind.HELLO, ...envelope })));
    const message = {
      type: 'timeout-now' as const,
      cluster: 'test',
      from: transport.localId,
      to: from,
      term: 3,
    };
    const timeoutNows = () => heard.filter((f) => f.kind === ElectionFrame.Kind.TIMEOUT_NOW);
    await eventually(
      () => {
        transport.send({ ...message, group: 'billing' });
        transport.send(message); // the barrier: after the group's message on the same stream
        return timeoutNows().length > 0;
      },
      10_000,
      'a default message to the older peer',
    );
    expect(timeoutNows().every((f) => f.group === '')).toBe(true);
    // The peer greets again, understanding groups: now the group's messages reach it.
    stream.send(lengthPrefixed(encodeHelloFrame({ ...envelope, configuration: { term: 0, version: 0 } })));
    await eventually(
      () => {
        transport.send({ ...message, group: 'billing' });
        return timeoutNows().some((f) => f.group === 'billing');
      },
      10_000,
      "the group's message",
    );
  });
});

describe('BATCH frames on the wire', () => {
  it('what is sent to a peer in one task leaves in one BATCH frame once its HELLO says it understands them; to an older peer, one frame each', async () => {
    const transport = later(testTransport());
    await transport.start(new Recorder());
    const { from, heard, stream, envelope } = await rawPeerOf(transport);
    const heartbeat = (group: string, term: number) => ({
      type: 'heartbeat' as const,
      cluster: 'test',
      from: transport.localId,
      to: from,
      term,
      round: 1,
      configuration: { term: 0, version: 1 },
      group,
    });
    const sendRound = (term: number) => {
      for (const group of ['a', 'b', 'c']) transport.send(heartbeat(group, term));
    };
    // An older peer's HELLO (groups, but no batches): three frames.
    stream.send(
      lengthPrefixed(ElectionFrame.encode({ kind: ElectionFrame.Kind.HELLO, ...envelope, groups: true })),
    );
    const ofTerm = (term: number) => heard.filter((f) => f.term === term);
    await eventually(
      () => {
        sendRound(7);
        return ofTerm(7).length >= 3;
      },
      10_000,
      'the heartbeats as plain frames',
    );
    expect(heard.some((f) => f.kind === ElectionFrame.Kind.BATCH)).toBe(false);
    // The peer greets again, understanding batches: a round is one frame.
    stream.send(lengthPrefixed(encodeHelloFrame({ ...envelope, configuration: { term: 0, version: 0 } })));
    await eventually(
      () => {
        sendRound(9);
        return heard.some((f) => f.kind === ElectionFrame.Kind.BATCH);
      },
      10_000,
      'a BATCH frame',
    );
    const batch = heard.find((f) => f.kind === ElectionFrame.Kind.BATCH)!;
    const entries = batch.batch.map((entry) => ElectionFrame.decode(entry));
    expect(entries.map((entry) => [entry.group, entry.term, entry.from])).toEqual([
      ['a', 9, ''],
      ['b', 9, ''],
      ['c', 9, ''],
    ]);
    expect([batch.from, batch.to]).toEqual([transport.localId, from]);
  });

  it('a BATCH frame from a peer reaches the election in one onMessages call', async () => {
    const transport = later(testTransport());
    const calls: number[] = [];
    const recorder = new Recorder();
    await transport.start(
      Object.assign(recorder, {
        onMessages: (messages: readonly unknown[]) => void calls.push(messages.length),
      }),
    );
    const { stream, envelope } = await rawPeerOf(transport);
    stream.send(lengthPrefixed(encodeHelloFrame({ ...envelope, configuration: { term: 0, version: 0 } })));
    const entry = (group: string) =>
      ElectionFrame.encode({
        kind: ElectionFrame.Kind.TIMEOUT_NOW,
        term: 4,
        group,
      }) as Uint8Array<ArrayBuffer>;
    stream.send(
      lengthPrefixed(
        ElectionFrame.encode({
          kind: ElectionFrame.Kind.BATCH,
          ...envelope,
          batch: [entry('x'), entry('y')],
        }),
      ),
    );
    await eventually(() => calls.length > 0, 10_000, 'onMessages');
    expect(calls).toEqual([2]);
    expect(recorder.messages).toEqual([]);
  });
});

describe('outbound election streams', () => {
  it('discards what a peer writes back, so libp2p does not abort the stream when its buffer fills', async () => {
    const raw = await rawNode({ identify: identify() });
    const transport = later(testTransport({ bootstrap: [raw.getMultiaddrs()[0]!] }));
    const recorder = new Recorder();
    // More than libp2p's read buffer (4 MiB): unread, the stream would be aborted.
    const written = 5 * 2 ** 20;
    const streams: Stream[] = [];
    let framesHeard = 0;
    await raw.handle(transport.protocol, (stream) => {
      streams.push(stream);
      stream.addEventListener('message', () => framesHeard++);
      stream.send(new Uint8Array(written));
    });
    await transport.start(recorder);
    await eventually(
      () => transport.stats().unexpectedBytes === written,
      15_000,
      'the bytes written back to be read',
      () => ({ stats: transport.stats(), streams: streams.map((s) => s.status) }),
    );
    expect(recorder.dropped.map((d) => d.reason)).toEqual(['unexpected']);
    // The stream is still the first one, and still carries messages.
    const heard = framesHeard;
    transport.send({
      type: 'timeout-now',
      cluster: 'test',
      from: transport.localId,
      to: raw.peerId.toString(),
      term: 1,
    });
    await eventually(() => framesHeard > heard, 10_000, 'a message on the same stream');
    expect(streams.length).toBe(1);
    expect(streams[0]!.status).toBe('open');
    expect(transport.stats().streamsOpened).toBe(1);
  });
});

describe('a peer that stops reading', () => {
  it('gets its stream aborted after dialTimeout and reopened, instead of stalling the channel', async () => {
    const raw = await rawNode({ identify: identify() });
    const transport = later(testTransport({ bootstrap: [raw.getMultiaddrs()[0]!], dialTimeout: 300 }));
    const streams: Stream[] = [];
    let received = 0;
    await raw.handle(transport.protocol, (stream) => {
      streams.push(stream);
      // The first stream is never read: the muxer stops granting window, and the writer's stream fills.
      if (streams.length === 1) stream.pause();
      else stream.addEventListener('message', (event) => (received += event.data.byteLength));
    });
    const log = new Recorder();
    await transport.start(log);
    const rawId = raw.peerId.toString();
    await eventually(() => log.connected.has(rawId), 10_000, 'the raw peer to join');
    // More than yamux's initial window (256 KiB).
    for (let i = 0; i < 8; i++) transport.broadcast(new Uint8Array(60_000), { to: [rawId] });
    await eventually(
      () => transport.stats().streamsStalled === 1 && transport.stats().streamsOpened === 2,
      10_000,
      'the stalled stream to be replaced',
      () => ({ stats: transport.stats(), streams: streams.map((s) => s.status) }),
    );
    // The new stream carries the broadcasts that were still queued (those the full stream could not take).
    await eventually(() => received > 3 * 60_000, 10_000, 'the queued broadcasts on the new stream');
  });
});

describe('drops reach the election', () => {
  it("a dropped frame is counted in LeaderElection's inspect()", async () => {
    const transport = later(testTransport());
    await transport.open();
    const election = new LeaderElection({
      clusterId: 'test',
      transport,
      voters: [transport.localId],
      store: new MemoryStateStore(),
      logger: quietLogger,
    });
    cleanup(() => election.stop());
    await election.start();
    const attacker = await rawNode();
    const stream = await attacker.dialProtocol(transport.addresses()[0]!, transport.protocol, {
      signal: AbortSignal.timeout(5000),
    });
    stream.send(lengthPrefixed(new Uint8Array([0xff, 0xff, 0xff])));
    await eventually(() => election.inspect().counters.messagesDropped.invalid === 1, 10_000, 'the drop');
  });
});

describe('private network', () => {
  it('connects nodes that share the key; a node without it or with another key cannot join', async () => {
    const key = createSwarmKey();
    const mesh = await startMesh(2, { preSharedKey: key, dialTimeout: 1000 });
    cleanup(mesh.stop);
    const bootstrap = mesh.transports.flatMap((t) => t.addresses());
    for (const preSharedKey of [createSwarmKey(), undefined]) {
      const outsider = later(testTransport({ preSharedKey, bootstrap, dialTimeout: 1000 }));
      const recorder = new Recorder();
      await outsider.start(recorder);
      const dial = await outsider
        .node!.dial(bootstrap[0]!, { signal: AbortSignal.timeout(1500) })
        .then(() => 'connected')
        .catch(() => 'refused');
      expect(dial).toBe('refused');
      // A message to a member goes nowhere, and neither side lists the other.
      const unreachable = outsider.stats().notSent.unreachable;
      outsider.send({
        type: 'timeout-now',
        cluster: 'test',
        from: outsider.localId,
        to: mesh.transports[0]!.localId,
        term: 1,
      });
      // Barriers before looking: the outsider gave up on its frame (its stream could not be opened), and a
      // message sent afterwards between two members has arrived.
      await eventually(
        () => outsider.stats().notSent.unreachable > unreachable,
        10_000,
        "the outsider's frame to be given up",
      );
      const [first, second] = mesh.transports as [Libp2pTransport, Libp2pTransport];
      const markers = mesh.recorders[0]!.messages.length + 1;
      second.send({ type: 'timeout-now', cluster: 'test', from: second.localId, to: first.localId, term: 2 });
      await eventually(
        () => mesh.recorders[0]!.messages.length === markers,
        10_000,
        'a marker between the members',
      );
      expect(outsider.peers()).toEqual([]);
      for (const member of mesh.transports) expect(member.peers()).not.toContain(outsider.localId);
      const heard = mesh.recorders.flatMap((r) => r.messages);
      expect(heard.filter((m) => m.from === outsider.localId)).toEqual([]);
      expect(heard.every((m) => m.from === second.localId && m.term === 2)).toBe(true);
    }
  });
});

describe('discovery', () => {
  it('discoverVoters({ expect }) forms the same sorted voter set on every node, and saves it', async () => {
    const dirs = await Promise.all([dir(), dir(), dir()]);
    const transports: Libp2pTransport[] = [];
    for (const dataDir of dirs) {
      transports.push(later(testTransport({ dataDir, bootstrap: transports.flatMap((t) => t.addresses()) })));
      await transports.at(-1)!.open();
    }
    const signal = AbortSignal.timeout(20_000);
    const sets = await Promise.all(transports.map((t) => t.discoverVoters({ expect: 3, signal })));
    const ids = transports.map((t) => t.localId).sort();
    for (const set of sets) expect(set).toEqual({ outcome: 'formed', voters: ids });
    // Saved: a restarted node gets the set back without waiting for anyone.
    await transports[0]!.stop();
    const restarted = later(testTransport({ dataDir: dirs[0]! }));
    expect(await restarted.discoverVoters({ expect: 3, signal })).toEqual({ outcome: 'saved', voters: ids });
  });

  it('a cluster bootstrapped through one seed becomes fully connected (PEERS frames)', async () => {
    const seed = later(testTransport());
    await seed.start(new Recorder());
    const others = [0, 1, 2].map(() => later(testTransport({ bootstrap: seed.addresses() })));
    const recorders = others.map(() => new Recorder());
    for (const [i, transport] of others.entries()) await transport.start(recorders[i]!);
    const all = [seed, ...others];
    await eventually(() => all.every((t) => t.peers().length === 3), 15_000, 'every node to see every other');
    const [b, c] = others as [Libp2pTransport, Libp2pTransport];
    b.send({ type: 'timeout-now', cluster: 'test', from: b.localId, to: c.localId, term: 3 });
    await eventually(() => recorders[1]!.messages.length === 1, 10_000, 'a message between two non-seeds');
  });

  it('refuses to guess when more members than expected are found', async () => {
    const mesh = await startMesh(3);
    cleanup(mesh.stop);
    const error = await mesh.transports[0]!.discoverVoters({ expect: 2 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExpectMismatchError);
    expect((error as ExpectMismatchError).code).toBe('ERR_EXPECT_MISMATCH');
  });

  it('refuses a saved voter set it cannot read, naming the file, and leaves it alone', async () => {
    const dataDir = await dir();
    const path = join(dataDir, 'voters-test.json');
    await writeFile(path, '{"voters": [');
    const transport = later(testTransport({ dataDir }));
    const error = await transport.discoverVoters({ expect: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VotersFileError);
    expect((error as VotersFileError).code).toBe('ERR_VOTERS_FILE');
    expect((error as VotersFileError).path).toBe(path);
    expect(await readFile(path, 'utf8')).toBe('{"voters": [');
  });

  it('a stop() while discoverVoters() waits for members rejects it with TransportNotOpenError', async () => {
    const transport = later(testTransport());
    await transport.open();
    const waiting = transport.discoverVoters({ expect: 3 }).catch((caught: unknown) => caught);
    await transport.stop();
    const error = await waiting;
    expect(error).toBeInstanceOf(TransportNotOpenError);
    expect((error as TransportNotOpenError).code).toBe('ERR_TRANSPORT_NOT_OPEN');
    expect((error as TransportNotOpenError).operation).toBe('discoverVoters');
  });

  it('finds peers with mDNS and dials them', async () => {
    const clusterId = `mdns-${process.pid}-${Date.now()}`;
    const warnings: string[] = [];
    const logger = { ...quietLogger, warn: (message: string) => warnings.push(message) };
    const transports = [0, 1, 2].map(() => later(testTransport({ clusterId, mdns: true, logger })));
    for (const transport of transports) await transport.open();
    const voters = await Promise.all(
      transports.map((t) => t.discoverVoters({ expect: 3, signal: AbortSignal.timeout(30_000) })),
    );
    expect(new Set(voters.map((v) => v.voters.join())).size).toBe(1);
    expect(warnings.some((w) => w.includes('mDNS is on without a preSharedKey'))).toBe(true);
  });
});

describe('gossip', () => {
  it('delivers a broadcast once to every peer; gossip relays it only to members not connected', async () => {
    const mesh = await startMesh(3);
    cleanup(mesh.stop);
    const [a, b, c] = mesh.transports as [Libp2pTransport, Libp2pTransport, Libp2pTransport];
    const pubsub = (a.node!.services as { pubsub: GossipSub }).pubsub;
    await eventually(() => pubsub.getSubscribers(a.topic).length === 2, 10_000, 'the topic subscriptions');
    const published = a.stats().gossipPublished;
    a.broadcast(new TextEncoder().encode('hello'));
    await eventually(
      () => mesh.recorders.slice(1).every((r) => r.broadcasts.length === 1),
      10_000,
      'broadcasts',
    );
    // Fully connected: direct copies only.
    expect(a.stats().gossipPublished).toBe(published);
    // c stops: a knows a member it cannot reach, so the next broadcast is also published for relaying, and b
    // gets it once.
    await c.stop();
    await eventually(() => !a.peers().includes(c.localId), 10_000, 'c to leave');
    a.broadcast(new TextEncoder().encode('again'));
    await eventually(() => mesh.recorders[1]!.broadcasts.length === 2, 10_000, 'the second broadcast');
    expect(a.stats().gossipPublished).toBe(published + 1);
    await eventually(() => b.stats().duplicateBroadcasts === 1, 10_000, 'the gossip copy to be dropped');
    expect(mesh.recorders[1]!.broadcasts.map((m) => new TextDecoder().decode(m.payload))).toEqual([
      'hello',
      'again',
    ]);
    expect(mesh.recorders[0]!.broadcasts).toEqual([]);
  });

  it("validates gossip: delivers a member's broadcast, drops other clusters and non-members", async () => {
    const raw = await rawNode({
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
    });
    const pubsub = raw.services.pubsub as GossipSub;
    const rawAddress = raw.getMultiaddrs()[0]!;
    // `member` names the raw node in bootstrap, so it counts as a member; `stranger` does not know it.
    const member = later(testTransport({ bootstrap: [rawAddress] }));
    const stranger = later(testTransport());
    const [memberLog, strangerLog] = [new Recorder(), new Recorder()];
    await member.start(memberLog);
    await stranger.start(strangerLog);
    await raw.dial(stranger.addresses()[0]!, { signal: AbortSignal.timeout(5000) });
    pubsub.subscribe(member.topic);
    await eventually(
      () =>
        gossipReaches(raw, member.topic, member.localId) &&
        gossipReaches(raw, member.topic, stranger.localId),
      10_000,
      'both transports to subscribe, and gossipsub streams to both',
    );
    await pubsub.publish(member.topic, encodeGossipBroadcast('other', new Uint8Array([1]), 1));
    await pubsub.publish(member.topic, encodeGossipBroadcast('test', new Uint8Array([2]), 2));
    await eventually(() => memberLog.broadcasts.length === 1, 10_000, "the member's broadcast");
    expect(memberLog.broadcasts[0]!.from).toBe(raw.peerId.toString());
    expect([...memberLog.broadcasts[0]!.payload]).toEqual([2]);
    expect(memberLog.dropped.map((d) => d.reason)).toEqual(['wrong-cluster']);
    await eventually(() => strangerLog.dropped.length === 2, 10_000, 'the stranger to drop both');
    expect(strangerLog.dropped.map((d) => d.reason).sort()).toEqual(['unexpected', 'wrong-cluster']);
    expect(strangerLog.broadcasts).toEqual([]);
  });

  it('delivers a gossip broadcast of exactly maxFrameSize (the RPC around it is larger)', async () => {
    const raw = await rawNode({
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
    });
    const pubsub = raw.services.pubsub as GossipSub;
    const maxFrameSize = 1024;
    const member = later(testTransport({ bootstrap: [raw.getMultiaddrs()[0]!], maxFrameSize }));
    const log = new Recorder();
    await member.start(log);
    pubsub.subscribe(member.topic);
    await eventually(() => gossipReaches(raw, member.topic, member.localId), 10_000, 'gossip to the member');
    let size = maxFrameSize;
    while (encodeGossipBroadcast('test', new Uint8Array(size), 1).byteLength > maxFrameSize) size--;
    const message = encodeGossipBroadcast('test', new Uint8Array(size).fill(7), 1);
    expect(message.byteLength).toBe(maxFrameSize);
    await pubsub.publish(member.topic, message);
    await eventually(() => log.broadcasts.length === 1, 10_000, 'the broadcast');
    expect(log.broadcasts[0]!.payload.byteLength).toBe(size);
  });

  it('takes leader announcements from voters only once the voters are known, from members before', async () => {
    const raw = await rawNode({
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
    });
    const pubsub = raw.services.pubsub as GossipSub;
    const rawId = raw.peerId.toString();
    // All three name the raw node in bootstrap, so it is a member for each of them. `guarded` runs an
    // election whose voters do not include it, `trusting` one whose voters do, `observer` runs none.
    const [guarded, trusting, observer] = [0, 1, 2].map(() =>
      later(testTransport({ bootstrap: [raw.getMultiaddrs()[0]!] })),
    ) as [Libp2pTransport, Libp2pTransport, Libp2pTransport];
    const guardedLog = new Recorder();
    await guarded.start(guardedLog, { voters: [await somePeerId(), await somePeerId()] });
    await trusting.start(new Recorder(), { voters: [rawId] });
    await observer.open();
    pubsub.subscribe(guarded.topic);
    await eventually(
      () => [guarded, trusting, observer].every((t) => gossipReaches(raw, t.topic, t.localId)),
      10_000,
      'the three transports to subscribe, and gossipsub streams to them',
    );
    // A member that is not a voter claims a term far ahead: were it believed, the highest term would stick.
    await pubsub.publish(guarded.topic, encodeLeaderAnnouncement('test', 1_000_000));
    await eventually(
      () => guardedLog.dropped.some((d) => d.reason === 'not-a-voter'),
      10_000,
      'the announcement to be dropped as not from a voter',
    );
    expect(guarded.leaderAnnouncement()).toBe(null);
    expect(guarded.stats().dropped['not-a-voter']).toBe(1);
    for (const believer of [trusting, observer]) {
      await eventually(() => believer.leaderAnnouncement()?.leader === rawId, 10_000, 'the announcement');
      expect(believer.leaderAnnouncement()?.term).toBe(1_000_000);
      expect(believer.stats().dropped['not-a-voter']).toBe(0);
    }
  });
});

describe('configurationChanged', () => {
  it('replaces the voters trusted for leader announcements', async () => {
    const raw = await rawNode({
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
    });
    const pubsub = raw.services.pubsub as GossipSub;
    const rawId = raw.peerId.toString();
    const transport = later(testTransport({ bootstrap: [raw.getMultiaddrs()[0]!] }));
    const log = new Recorder();
    const voters = [await somePeerId(), await somePeerId()];
    await transport.start(log, { voters, configuration: { term: 1, version: 1, voters } });
    pubsub.subscribe(transport.topic);
    await eventually(() => gossipReaches(raw, transport.topic, transport.localId), 10_000, 'a gossip stream');
    await pubsub.publish(transport.topic, encodeLeaderAnnouncement('test', 7));
    await eventually(() => log.dropped.some((d) => d.reason === 'not-a-voter'), 10_000, 'the drop');
    expect(transport.leaderAnnouncement()).toBe(null);
    // The raw node becomes a voter (the leader promoted it): its announcements count from now on.
    transport.configurationChanged({ term: 2, version: 2, voters: [...voters, rawId].sort() });
    await pubsub.publish(transport.topic, encodeLeaderAnnouncement('test', 8));
    await eventually(() => transport.leaderAnnouncement()?.leader === rawId, 10_000, 'the announcement');
    expect(transport.leaderAnnouncement()?.term).toBe(8);
    // And removed again: they no longer do.
    transport.configurationChanged({ term: 3, version: 3, voters });
    await pubsub.publish(transport.topic, encodeLeaderAnnouncement('test', 9));
    await eventually(
      () => log.dropped.filter((d) => d.reason === 'not-a-voter').length === 2,
      10_000,
      'the second drop',
    );
    expect(transport.leaderAnnouncement()?.term).toBe(8);
  });
});

describe('membership', () => {
  it('a peer whose node stops speaking the protocol is reported left, even without a LEAVE frame', async () => {
    // identify-push is a service of its own in libp2p 3: without it a peer never hears that a protocol
    // went away, and only the LEAVE frame (or the connection closing) tells it.
    const raw = await rawNode({ identify: identify(), identifyPush: identifyPush() });
    const transport = later(testTransport({ bootstrap: [raw.getMultiaddrs()[0]!] }));
    // A peer that speaks the cluster's protocol (and never sends LEAVE: it is not a Baton transport).
    await raw.handle(transport.protocol, () => {});
    const log = new Recorder();
    await transport.start(log);
    const id = raw.peerId.toString();
    await eventually(() => log.connected.has(id), 10_000, 'the raw peer to join');
    // Its application stops handling the protocol; the node stays up and connected, and identify-push
    // tells the transport the protocol is gone (Baton's own node runs the identify-push service for this).
    await raw.unhandle(transport.protocol);
    await eventually(() => !log.connected.has(id), 10_000, 'the raw peer to be reported left');
    expect(raw.getConnections().length).toBeGreaterThan(0);
    expect(transport.peers()).not.toContain(id);
  });
});

describe('redialling', () => {
  it('redials bootstrap peers and voters for ever, other peers maxRedialAttempts times, a leaver not at all', async () => {
    const bootstrapPeer = later(testTransport());
    await bootstrapPeer.start(new Recorder());
    // `allow` sees every dial `a` makes: it counts them per peer.
    const dials = new Map<string, number>();
    const a = later(
      testTransport({
        bootstrap: bootstrapPeer.addresses(),
        maxRedialAttempts: 3,
        maxRedialDelay: 10,
        allow: (peer) => {
          dials.set(peer, (dials.get(peer) ?? 0) + 1);
          return true;
        },
      }),
    );
    await a.open();
    const [voter, passerBy, leaver] = [0, 1, 2].map(() =>
      later(testTransport({ bootstrap: a.addresses() })),
    ) as [Libp2pTransport, Libp2pTransport, Libp2pTransport];
    await voter.open();
    const aLog = new Recorder();
    await a.start(aLog, { voters: [a.localId, voter.localId] });
    for (const t of [voter, passerBy, leaver]) await t.start(new Recorder());
    const others = [bootstrapPeer, voter, passerBy, leaver];
    await eventually(
      () => others.every((t) => a.peers().includes(t.localId)),
      15_000,
      'a to see the four others',
    );
    // The leaver stops: LEAVE, then its node stops. A message first, so that the LEAVE frame travels on a
    // stream `a` already reads (it then arrives before the connection closes).
    leaver.send({ type: 'timeout-now', cluster: 'test', from: leaver.localId, to: a.localId, term: 1 });
    await eventually(() => aLog.messages.length === 1, 10_000, "the leaver's message");
    dials.clear();
    await leaver.stop();
    await eventually(() => !a.peers().includes(leaver.localId), 10_000, 'the leaver to be gone');

    // The others vanish without LEAVE (their nodes stop under their transports).
    await Promise.all([bootstrapPeer, voter, passerBy].map((t) => t.node!.stop()));
    await eventually(
      () => a.stats().redialsAbandoned === 1,
      15_000,
      'a to give up on the passer-by',
      () => ({ stats: a.stats(), dials: Object.fromEntries(dials) }),
    );
    expect(dials.get(passerBy.localId)).toBe(3);
    await eventually(
      () => (dials.get(bootstrapPeer.localId) ?? 0) > 6 && (dials.get(voter.localId) ?? 0) > 6,
      15_000,
      'the bootstrap peer and the voter to be redialled past the bound',
    );
    expect(a.stats()).toMatchObject({ redialsPending: 2, redialsAbandoned: 1 });
    expect(dials.get(passerBy.localId)).toBe(3);
    // Had the leaver been redialled, it would have been dialled, and given up on, by now.
    expect(dials.get(leaver.localId) ?? 0).toBe(0);
  });
});

describe('allowlist', () => {
  it('refuses peers that are not listed, both ways', async () => {
    const listed = later(testTransport());
    await listed.open();
    const guarded = later(testTransport({ allow: [listed.localId] }));
    await guarded.start(new Recorder());
    const outsider = later(testTransport());
    await outsider.open();
    await listed.node!.dial(guarded.addresses()[0]!, { signal: AbortSignal.timeout(5000) });
    // An inbound connection is refused once the outsider's key is known (after encryption): it may open on
    // the outsider's side for a moment, then it is closed, and the outsider never becomes a peer.
    await outsider.node!.dial(guarded.addresses()[0]!, { signal: AbortSignal.timeout(2000) }).catch(() => {});
    await eventually(
      () => guarded.node!.getConnections(outsider.node!.peerId).length === 0,
      10_000,
      'the outsider to be disconnected',
    );
    const outbound = await guarded
      .node!.dial(outsider.addresses()[0]!, { signal: AbortSignal.timeout(2000) })
      .then(() => 'connected')
      .catch(() => 'refused');
    expect(outbound).toBe('refused');
    await eventually(() => guarded.peers().includes(listed.localId), 10_000, 'the listed peer to join');
    expect(guarded.peers()).toEqual([listed.localId]);
  });
});

describe('lifecycle', () => {
  it('localId before open() throws TransportNotOpenError', () => {
    const error = (() => {
      try {
        return testTransport().localId;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TransportNotOpenError);
    expect((error as TransportNotOpenError).code).toBe('ERR_TRANSPORT_NOT_OPEN');
  });

  it('stop() during open() leaves the transport closed, and it can start again', async () => {
    const transport = later(testTransport());
    const opening = transport.open();
    await transport.stop();
    await opening.catch(() => {});
    expect(transport.node).toBe(null);
    expect(transport.peers()).toEqual([]);
    await transport.start(new Recorder());
    expect(transport.node).not.toBe(null);
  });

  it('open({ signal }) rejects with the signal’s reason and closes', async () => {
    const transport = later(testTransport());
    const controller = new AbortController();
    const opening = transport.open({ signal: controller.signal });
    controller.abort(new Error('test: give up'));
    await expect(opening).rejects.toThrow('test: give up');
    await eventually(() => transport.node === null, 5000, 'the transport to close');
  });
});

describe('on a node the application owns', () => {
  it("a second transport of the same cluster on one node fails to start and leaves the first one's protocol alone", async () => {
    const node = await rawNode();
    const first = later(libp2pTransport({ clusterId: 'test', node, pubsub: false, logger: quietLogger }));
    await first.start(new Recorder());
    const second = later(libp2pTransport({ clusterId: 'test', node, pubsub: false, logger: quietLogger }));
    await expect(second.start(new Recorder())).rejects.toThrow();
    expect(node.getProtocols()).toContain(first.protocol);
    await first.stop();
    expect(node.getProtocols()).not.toContain(first.protocol);
    expect(node.status).toBe('started');
  });
});
