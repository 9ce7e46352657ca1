import type { LeaderElection } from '@baton/core';
import { peerIdFromString } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import type { Libp2pTransport } from '../src/index.js';
import { cleanupAfterEach, eventually, freePorts, testElection, testTransport } from './helpers.js';

const { later } = cleanupAfterEach();

/** Whether `a`'s libp2p node holds a connection to `b`. */
const linked = (a: Libp2pTransport, b: Libp2pTransport) =>
  (a.node?.getConnections(peerIdFromString(b.localId)).length ?? 0) > 0;

describe('observers keep connections to the voters only', () => {
  it('two observers drop their link once both hold the configuration, and link again when one is promoted', async () => {
    const ports = await freePorts(3);
    const address = (i: number) => `/ip4/127.0.0.1/tcp/${ports[i]}`;
    // Node 3 listens at a known address; node 4 is given it as a bare bootstrap address (as a DNS name of
    // all the replicas would), so the two observers do connect, before they know the configuration.
    const make = async (i: number) => {
      const bootstrap = i === 4 ? [address(0), address(1)] : [address(0)];
      const listen = i === 0 ? address(0) : i === 3 ? address(1) : '/ip4/127.0.0.1/tcp/0';
      const transport = later(testTransport({ bootstrap, listen: [listen] }));
      await transport.open();
      return transport;
    };
    const elect = (transport: Libp2pTransport, voters: readonly string[]) =>
      later(
        testElection(transport, voters, { maxVoters: 3, stabilizationTime: 300, deadVoterTimeout: 1_500 }),
      );
    const founders = await Promise.all([0, 1, 2].map(make));
    const formed = await Promise.all(
      founders.map((t) => t.discoverVoters({ expect: 3, signal: AbortSignal.timeout(30_000) })),
    );
    const elections = founders.map((t, i) => elect(t, formed[i]!.voters));
    await Promise.all(elections.map((e) => e.start()));
    await eventually(() => elections.some((e) => e.isLeader()), 20_000, 'a leader');

    // Two observers join through the seed; maxVoters 3 keeps them observers. Until they hold the
    // configuration nothing is pruned, so the link made through the bare address is there to see.
    const observers = [await make(3), await make(4)];
    const [first, second] = observers as [Libp2pTransport, Libp2pTransport];
    await eventually(
      () => linked(second, first),
      10_000,
      'the observer to dial the bare address of the other',
    );
    const observerElections: LeaderElection[] = [];
    for (const observer of observers) {
      const found = await observer.discoverVoters({ expect: 3, signal: AbortSignal.timeout(20_000) });
      expect(found.outcome).toBe('join');
      const election = elect(observer, found.voters);
      await election.start();
      observerElections.push(election);
    }
    await eventually(
      () =>
        observerElections.every((e) => e.membership().version >= 1) &&
        observers.every((o) => founders.every((f) => linked(o, f))) &&
        !linked(first, second),
      20_000,
      'each observer linked to every voter, and not to the other observer',
      () => ({
        versions: observerElections.map((e) => e.membership().version),
        linkedToVoters: observers.map((o) => founders.map((f) => linked(o, f))),
        observersLinked: linked(first, second),
      }),
    );
    // The founders, voters, still hold a connection to every member. Each end registers a connection when its
    // own upgrade ends, so the founder's end may come a moment after the observer's: wait for it.
    await eventually(
      () => founders.every((f) => observers.every((o) => linked(f, o))),
      10_000,
      'every voter linked to each observer',
      () => founders.map((f) => observers.map((o) => linked(f, o))),
    );

    // A follower voter stops for good: the autopilot replaces it with an observer, which the other observer
    // (and every voter) dials now that it votes.
    const index = elections.findIndex((e) => !e.isLeader());
    await elections[index]!.stop();
    const gone = founders[index]!.localId;
    const all = [...elections.filter((_, i) => i !== index), ...observerElections];
    await eventually(
      () => all.every((e) => !e.membership().voters.includes(gone) && e.membership().voters.length === 3),
      30_000,
      'an observer promoted in place of the stopped voter, on every node',
      () => all.map((e) => e.membership()),
    );
    const promoted = observers.find((o) => all[0]!.membership().voters.includes(o.localId));
    expect(promoted).toBeDefined();
    const other = promoted === first ? second : first;
    await eventually(
      () => linked(other, promoted!),
      20_000,
      'the remaining observer to dial the promoted one',
    );
  }, 90_000);
});
