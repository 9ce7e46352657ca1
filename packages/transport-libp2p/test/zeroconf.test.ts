import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeaderElection } from '@baton/core';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import {
  createSwarmKey,
  ExpectMismatchError,
  FormationConflictError,
  type Libp2pTransport,
  loadOrCreatePeerKey,
  type VoterDiscovery,
} from '../src/index.js';
import { PEER_IDS } from './arbitraries.js';
import {
  cleanupAfterEach,
  eventually,
  freePorts,
  quietLogger,
  Recorder,
  testElection,
  testTransport,
} from './helpers.js';

/*
 * A cluster that forms and keeps itself from discovery alone: bootstrap addresses without a peer id, DNS
 * names resolved again and again, members found by any path reported to the election, an existing cluster
 * joined rather than a second one formed, and a node that reaches nobody saying why. Real TCP on loopback.
 */

const { later, dir } = cleanupAfterEach();

/** A transport's first address, without its `/p2p/<peer id>`: what an operator knows of a replica. */
function bareAddress(transport: Libp2pTransport): string {
  return transport.addresses()[0]!.decapsulateCode(421).toString();
}

/** A logger that keeps what is said at warn and info. */
function listeningLogger() {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    logger: {
      ...quietLogger,
      warn: (message: string) => void warnings.push(message),
      info: (message: string) => void infos.push(message),
    },
  };
}

describe('bootstrap addresses without a peer id', () => {
  it('three nodes given only the seed’s bare address form a fully connected cluster; the seed skips itself', async () => {
    const [port] = await freePorts(1);
    const seedAddress = `/ip4/127.0.0.1/tcp/${port}`;
    const nodes = [0, 1, 2].map((i) =>
      later(
        testTransport({
          // The same configuration everywhere, as a Deployment gives it: the seed lists itself too.
          bootstrap: [seedAddress],
          listen: [i === 0 ? seedAddress : '/ip4/127.0.0.1/tcp/0'],
        }),
      ),
    );
    const recorders = nodes.map(() => new Recorder());
    for (const [i, node] of nodes.entries()) await node.start(recorders[i]!);
    const [seed, b, c] = nodes as [Libp2pTransport, Libp2pTransport, Libp2pTransport];
    await eventually(
      () => nodes.every((node) => node.peers().length === 2),
      15_000,
      'every node to see the two others',
      () => nodes.map((node) => ({ peers: node.peers().length, diagnostics: node.diagnostics() })),
    );
    // Reported to the election as connected peers, so the runtime makes them observers.
    for (const [i, node] of nodes.entries()) {
      expect([...recorders[i]!.connected].sort()).toEqual(
        nodes
          .filter((other) => other !== node)
          .map((other) => other.localId)
          .sort(),
      );
    }
    // The non-seeds learnt who answers at the seed's address.
    for (const node of [b, c]) {
      expect(node.diagnostics().addresses).toContainEqual(
        expect.objectContaining({
          address: seedAddress,
          source: 'bootstrap',
          peer: seed.localId,
          connected: true,
        }),
      );
    }
    // The seed found its own address in the list: never dialled, never a failure.
    expect(seed.diagnostics().addresses).toContainEqual(
      expect.objectContaining({ address: seedAddress, peer: seed.localId, error: 'self' }),
    );
    // A message between the two nodes that knew only the seed.
    b.send({ type: 'timeout-now', cluster: 'test', from: b.localId, to: c.localId, term: 3 });
    await eventually(() => recorders[2]!.messages.length === 1, 10_000, 'a message from b to c');
  });

  it('redials the bare address for ever: a replica that restarts under a new identity is found again', async () => {
    const [port] = await freePorts(1);
    const address = `/ip4/127.0.0.1/tcp/${port}`;
    const first = later(testTransport({ listen: [address] }));
    await first.start(new Recorder());
    const watcher = later(testTransport({ bootstrap: [address], maxRedialDelay: 50 }));
    await watcher.start(new Recorder());
    await eventually(() => watcher.peers().includes(first.localId), 10_000, 'the first replica');
    await first.stop();
    // The replacement has no dataDir: a new peer id at the same address.
    const second = later(testTransport({ listen: [address] }));
    await second.start(new Recorder());
    await eventually(() => watcher.peers().includes(second.localId), 15_000, 'the replacement');
    expect(second.localId).not.toBe(first.localId);
    expect(watcher.diagnostics().addresses).toContainEqual(
      expect.objectContaining({ address, peer: second.localId, connected: true }),
    );
  });
});

describe('DNS names in bootstrap', () => {
  it('dials every address of the answer, and the one a later answer adds after the refresh', async () => {
    // Three replicas on one port, at three loopback addresses, as pods behind a headless Service.
    const [port] = await freePorts(1);
    const ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const replicas = ips.map((ip) => later(testTransport({ listen: [`/ip4/${ip}/tcp/${port}`] })));
    // Each replica alone: only the DNS answer can bring the third one in.
    for (const replica of replicas) await replica.start(new Recorder());
    let answer = ips.slice(0, 2);
    const asked: string[] = [];
    const name = `/dns4/replicas.test/tcp/${port}`;
    const client = later(
      testTransport({
        bootstrap: [name],
        bootstrapRefreshInterval: 200,
        resolveDns: async (hostname, family) => {
          asked.push(`${hostname}/${family}`);
          return answer;
        },
      }),
    );
    const log = new Recorder();
    await client.start(log);
    const [one, two, three] = replicas as [Libp2pTransport, Libp2pTransport, Libp2pTransport];
    await eventually(
      () => client.peers().includes(one.localId) && client.peers().includes(two.localId),
      10_000,
      'the two replicas of the first answer',
    );
    expect(client.peers()).not.toContain(three.localId);
    expect(asked[0]).toBe('replicas.test/4');
    answer = ips;
    await eventually(() => client.peers().includes(three.localId), 10_000, 'the replica the answer added');
    // Reported to the election like any peer.
    expect(log.connected.has(three.localId)).toBe(true);
    const lookup = client.diagnostics().addresses.find((entry) => entry.address === name);
    expect(lookup).toMatchObject({ source: 'bootstrap', error: null });
    expect(lookup?.resolved).toEqual(ips.map((ip) => `/ip4/${ip}/tcp/${port}`));
    expect(client.diagnostics().addresses).toContainEqual(
      expect.objectContaining({ address: `/ip4/127.0.0.3/tcp/${port}`, source: 'dns', peer: three.localId }),
    );
    // An address that leaves the answer is no longer dialled (its peer, connected, stays a member).
    answer = ips.slice(1);
    await eventually(
      () => !client.diagnostics().addresses.some((entry) => entry.address === `/ip4/127.0.0.1/tcp/${port}`),
      10_000,
      'the address gone from the answer to be dropped',
    );
    expect(client.peers()).toContain(one.localId);
  });
});

describe('members found by mDNS', () => {
  it('are reported to the election as connected peers', async () => {
    const clusterId = `mdns-peers-${process.pid}-${Date.now()}`;
    const nodes = [0, 1].map(() => later(testTransport({ clusterId, mdns: true })));
    const recorders = nodes.map(() => new Recorder());
    for (const [i, node] of nodes.entries()) await node.start(recorders[i]!);
    const [a, b] = nodes as [Libp2pTransport, Libp2pTransport];
    await eventually(
      () => recorders[0]!.connected.has(b.localId) && recorders[1]!.connected.has(a.localId),
      30_000,
      'each to be reported to the other’s election',
    );
  });
});

describe('discoverVoters with a cluster already there', () => {
  it('joins when a member’s HELLO says it holds a configuration, and never forms a set', async () => {
    const member = later(testTransport());
    const configuration = { term: 4, version: 2, voters: ['x', 'y', 'z'] };
    await member.start(new Recorder(), { voters: configuration.voters, configuration });
    const fresh = later(testTransport({ bootstrap: [bareAddress(member)], dataDir: await dir() }));
    const found = await fresh.discoverVoters({ expect: 2, signal: AbortSignal.timeout(15_000) });
    expect(found).toEqual({
      outcome: 'join',
      voters: [],
      reason: 'member-configured',
      peer: member.localId,
      configuration: { term: 4, version: 2 },
    });
    expect(fresh.peerConfigurations().get(member.localId)).toEqual({ term: 4, version: 2 });
    // A fresh node says version 0 in its own HELLO.
    await eventually(() => member.peerConfigurations().has(fresh.localId), 10_000, 'the fresh node’s HELLO');
    expect(member.peerConfigurations().get(fresh.localId)).toEqual({ term: 0, version: 0 });
    // The configuration changes: a node that greets the member from now on hears the new one.
    member.configurationChanged({ term: 5, version: 3, voters: ['x', 'y', 'z', 'w'] });
    const another = later(testTransport({ bootstrap: [bareAddress(member)] }));
    expect(await another.discoverVoters({ expect: 3, signal: AbortSignal.timeout(15_000) })).toMatchObject({
      outcome: 'join',
      configuration: { term: 5, version: 3 },
    });
  });

  it('joins when a leader announces itself, even if no HELLO says a configuration', async () => {
    const leader = later(testTransport());
    await leader.start(new Recorder(), {});
    const fresh = later(testTransport({ bootstrap: [bareAddress(leader)] }));
    await fresh.open();
    const discovery = fresh.discoverVoters({ expect: 3, signal: AbortSignal.timeout(20_000) });
    await eventually(() => leader.peers().includes(fresh.localId), 10_000, 'the fresh node to connect');
    // The leader's heartbeats make it announce itself on the gossip topic (every leaderAnnounceInterval).
    const heartbeats = setInterval(() => {
      leader.send({
        type: 'heartbeat',
        cluster: 'test',
        from: leader.localId,
        to: fresh.localId,
        term: 9,
        round: 1,
        configuration: { term: 0, version: 0 },
      });
    }, 50);
    try {
      expect(await discovery).toMatchObject({
        outcome: 'join',
        reason: 'leader-announced',
        peer: leader.localId,
      });
    } finally {
      clearInterval(heartbeats);
    }
  });

  it('forms a set from fresh nodes, then a late node joins as an observer and the autopilot promotes it', async () => {
    const [port] = await freePorts(1);
    const seedAddress = `/ip4/127.0.0.1/tcp/${port}`;
    const make = async (i: number) => {
      const transport = later(
        testTransport({ bootstrap: [seedAddress], listen: [i === 0 ? seedAddress : '/ip4/127.0.0.1/tcp/0'] }),
      );
      await transport.open();
      return transport;
    };
    const founders = await Promise.all([0, 1, 2].map(make));
    const signal = AbortSignal.timeout(30_000);
    const formed = await Promise.all(founders.map((t) => t.discoverVoters({ expect: 3, signal })));
    const ids = founders.map((t) => t.localId).sort();
    for (const result of formed) expect(result).toEqual({ outcome: 'formed', voters: ids });
    const elect = (transport: Libp2pTransport, voters: readonly string[]) =>
      later(testElection(transport, voters, { stabilizationTime: 300 }));
    const elections = founders.map((t, i) => elect(t, formed[i]!.voters));
    await Promise.all(elections.map((e) => e.start()));
    await eventually(() => elections.some((e) => e.isLeader()), 20_000, 'a leader');

    const late = await make(3);
    const found = await late.discoverVoters({ expect: 3, signal: AbortSignal.timeout(20_000) });
    expect(found.outcome).toBe('join');
    expect(found.voters).toEqual([]);
    const joiner = elect(late, found.voters);
    await joiner.start();
    await eventually(
      () => [...elections, joiner].every((e) => e.membership().voters.includes(late.localId)),
      30_000,
      'the late node to be promoted to voter on every node',
      () => [...elections, joiner].map((e) => e.membership()),
    );
    // Every founder tells the late node (HELLO, then the leader's heartbeats) that it holds a configuration.
    // The promotion needs the leader only: the connection to another founder may still be on its way (the
    // larger id of a pair waits before it dials), so wait for all three rather than read them at once.
    await eventually(
      () => late.peerConfigurations().size === 3,
      20_000,
      'the late node to hear a configuration from every founder',
      () => [...late.peerConfigurations()],
    );
    for (const configuration of late.peerConfigurations().values()) {
      expect(configuration.version).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('discoverVoters with more fresh nodes than expect', () => {
  it('4 fresh nodes with expect 3 started together: no two different sets that share a member; each forms the one set, joins it, or fails', async () => {
    // Two rounds: which node locks which set depends on the order connections come up in.
    for (let round = 0; round < 2; round++) {
      const [port] = await freePorts(1);
      const seedAddress = `/ip4/127.0.0.1/tcp/${port}`;
      const dirs = await Promise.all([0, 1, 2, 3].map(() => dir()));
      const transports = await Promise.all(
        [0, 1, 2, 3].map(async (i) => {
          const transport = later(
            testTransport({
              bootstrap: [seedAddress],
              listen: [i === 0 ? seedAddress : '/ip4/127.0.0.1/tcp/0'],
              dataDir: dirs[i],
              dialTimeout: 1000,
            }),
          );
          await transport.open();
          return transport;
        }),
      );
      const outcomes = await Promise.all(
        transports.map(
          async (transport): Promise<{ id: string; outcome: string; voters?: readonly string[] }> => {
            let found: VoterDiscovery;
            try {
              found = await transport.discoverVoters({ expect: 3, signal: AbortSignal.timeout(30_000) });
            } catch (error) {
              if (error instanceof FormationConflictError || error instanceof ExpectMismatchError) {
                return { id: transport.localId, outcome: error.name };
              }
              throw error;
            }
            if (found.outcome === 'formed') {
              // The formed members start their election, so that the others can see the cluster and join it.
              await later(testElection(transport, found.voters)).start();
            }
            return { id: transport.localId, outcome: found.outcome, voters: found.voters };
          },
        ),
      );
      const formed = outcomes.flatMap((o) => (o.outcome === 'formed' && o.voters ? [o.voters] : []));
      for (const a of formed) {
        for (const b of formed) {
          if (a.some((id) => b.includes(id))) expect(a, JSON.stringify(outcomes)).toEqual(b);
        }
      }
      for (const o of outcomes) {
        expect(['formed', 'join', 'FormationConflictError', 'ExpectMismatchError']).toContain(o.outcome);
        if (o.outcome === 'formed') expect(o.voters).toContain(o.id);
      }
      // Every node that formed locked its set first, in its dataDir.
      for (const [i, o] of outcomes.entries()) {
        if (o.outcome !== 'formed') continue;
        const lock = JSON.parse(await readFile(join(dirs[i]!, 'formation-lock-test.json'), 'utf8'));
        expect(lock.locked).toEqual(o.voters);
      }
      console.log(`4 fresh nodes, expect 3, round ${round}: ${outcomes.map((o) => o.outcome).join(', ')}`);
    }
  });
});

describe('a formation lock saved in dataDir', () => {
  it('is told again after a restart, and never replaced: the node forms no other set, nor do the peers with it', async () => {
    const [port] = await freePorts(1);
    const seedAddress = `/ip4/127.0.0.1/tcp/${port}`;
    const lockedDir = await dir();
    const id = peerIdFromPrivateKey(await loadOrCreatePeerKey(lockedDir)).toString();
    // Before its restart, this node locked a set with two nodes that are not here now.
    const saved = [id, PEER_IDS[0], PEER_IDS[1]].sort();
    const path = join(lockedDir, 'formation-lock-test.json');
    await writeFile(path, JSON.stringify({ clusterId: 'test', locked: saved }));
    const transports = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const transport = later(
          testTransport({
            bootstrap: [seedAddress],
            listen: [i === 0 ? seedAddress : '/ip4/127.0.0.1/tcp/0'],
            dataDir: i === 0 ? lockedDir : await dir(),
          }),
        );
        await transport.open();
        return transport;
      }),
    );
    expect(transports[0]!.localId).toBe(id);
    // Without the saved lock the three would form a set of the three at once. With it, nobody can: the
    // locked node waits for the two absent members, the others for a set they can lock.
    const signal = AbortSignal.timeout(3000);
    const results = await Promise.allSettled(transports.map((t) => t.discoverVoters({ expect: 3, signal })));
    for (const result of results) {
      expect(result).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } });
    }
    expect(JSON.parse(await readFile(path, 'utf8')).locked).toEqual(saved);
  });
});

describe('discoverVoters with expect 1 (the default of the NestJS module)', () => {
  it('three fresh nodes started together form one cluster: the smallest id forms, the others join it', async () => {
    const [port] = await freePorts(1);
    const seedAddress = `/ip4/127.0.0.1/tcp/${port}`;
    const transports = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const transport = later(
          testTransport({
            bootstrap: [seedAddress],
            listen: [i === 0 ? seedAddress : '/ip4/127.0.0.1/tcp/0'],
          }),
        );
        await transport.open();
        return transport;
      }),
    );
    const smallest = transports.map((t) => t.localId).sort()[0]!;
    const elections: LeaderElection[] = [];
    const results = await Promise.all(
      transports.map(async (transport) => {
        const found = await transport.discoverVoters({ expect: 1, signal: AbortSignal.timeout(30_000) });
        const election = later(testElection(transport, found.voters, { stabilizationTime: 300 }));
        elections.push(election);
        await election.start();
        return { id: transport.localId, found };
      }),
    );
    const formed = results.filter((r) => r.found.outcome === 'formed');
    expect(formed.map((r) => r.id)).toEqual([smallest]);
    expect(formed[0]!.found.voters).toEqual([smallest]);
    for (const other of results.filter((r) => r.id !== smallest)) expect(other.found.outcome).toBe('join');
    await eventually(
      () => elections.every((e) => e.membership().voters.length === 3),
      30_000,
      'all three to be voters of the one cluster',
      () => elections.map((e) => e.membership()),
    );
  });
});

describe('a node that reaches nobody', () => {
  it('warns, naming each address and why it fails (refused, pre-shared key, DNS); diagnostics() says the same', async () => {
    const key = createSwarmKey();
    const [deadPort] = await freePorts(1);
    const dead = `/ip4/127.0.0.1/tcp/${deadPort}`;
    const otherNetwork = later(testTransport({ preSharedKey: createSwarmKey() }));
    await otherNetwork.start(new Recorder());
    const wrongKey = bareAddress(otherNetwork);
    const unresolvable = '/dns4/nobody.invalid/tcp/4001';
    const { warnings, infos, logger } = listeningLogger();
    const lonely = later(
      testTransport({
        bootstrap: [dead, wrongKey, unresolvable],
        preSharedKey: key,
        dialTimeout: 300,
        maxRedialDelay: 100,
        logger,
      }),
    );
    await lonely.start(new Recorder());
    await eventually(() => warnings.some((w) => w.startsWith('no peer of cluster')), 10_000, 'the warning');
    const warning = warnings.find((w) => w.startsWith('no peer of cluster'))!;
    expect(warning).toContain(`${dead}: connection refused`);
    expect(warning).toMatch(
      new RegExp(`${wrongKey}: (the handshake failed: a wrong or missing pre-shared key|no answer)`),
    );
    expect(warning).toContain(`${unresolvable}: the DNS lookup failed`);

    const diagnostics = lonely.diagnostics();
    expect(diagnostics.peers).toBe(0);
    expect(diagnostics.noPeerSince).not.toBe(null);
    const byAddress = new Map(diagnostics.addresses.map((entry) => [entry.address, entry]));
    expect(byAddress.get(dead)).toMatchObject({ source: 'bootstrap', error: 'refused', connected: false });
    expect(['handshake', 'timeout']).toContain(byAddress.get(wrongKey)?.error);
    expect(byAddress.get(unresolvable)).toMatchObject({ error: 'dns', peer: null });
    for (const entry of diagnostics.addresses) {
      expect(entry.attempts).toBeGreaterThanOrEqual(1);
      expect(entry.lastAttempt).toBeTypeOf('number');
      expect(entry.since).toBeTypeOf('number');
      expect(entry.detail).toBeTypeOf('string');
    }

    // A node with the right key starts at the dead address: reached, and said so.
    const rescuer = later(testTransport({ listen: [dead], preSharedKey: key }));
    await rescuer.start(new Recorder());
    await eventually(() => lonely.peers().includes(rescuer.localId), 10_000, 'the rescuer to be reached');
    await eventually(() => infos.some((i) => i.includes('reachable again')), 10_000, 'the info line');
    expect(lonely.diagnostics().noPeerSince).toBe(null);
    expect(lonely.diagnostics().addresses).toContainEqual(
      expect.objectContaining({ address: dead, peer: rescuer.localId, error: null, attempts: 0 }),
    );
  });
});
