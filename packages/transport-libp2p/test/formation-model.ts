import type { NodeId } from '@baton/core';
import { Prng } from '@baton/core/testing';
import {
  type FormationStep,
  type FormationView,
  type PeerFormation,
  refusalLock,
  sameSet,
} from '../src/formation.js';

/*
 * A model of the first formation, no sockets: N fresh nodes run a decision rule (the transport's
 * decideFormation, or a deliberately broken one) while a seeded scheduler picks, one at a time, among every
 * event enabled now: a connection appears (both ends queue a HELLO for the other), a HELLO is delivered (each
 * direction in order, as on a libp2p stream; directions and pairs interleave freely), a node takes its next
 * step, a node's settling time ends, and, in lossy runs, a connection is lost (its queued HELLOs with it, and
 * what each end knew of the other) or an unfinished node restarts (it keeps a lock of `expect` members, as
 * the lock file keeps it, and forgets the rest). Once the losses are spent, the missing connections appear,
 * and the run ends when no event changes anything.
 */

/** One node's state, and the outcome of its discovery (null: still waiting). */
interface ModelNode {
  readonly id: NodeId;
  lock: readonly NodeId[] | null;
  configured: boolean;
  settled: boolean;
  outcome: { kind: 'formed'; set: readonly NodeId[] } | { kind: 'joined' | 'conflict' | 'refused' } | null;
  /** Connected peers: what each said in its latest HELLO (undefined before the first). */
  readonly known: Map<NodeId, PeerFormation | undefined>;
}

/** A decision rule: decideFormation, or a variant under test. */
export type Rule = (view: FormationView) => FormationStep;

export interface ModelRun {
  readonly seed: number;
  readonly nodes: number;
  readonly events: number;
  /** Each node's outcome, by id. */
  readonly outcomes: ReadonlyMap<NodeId, ModelNode['outcome']>;
  /** Two formed sets that share a member and differ, if any. */
  readonly violation: readonly [readonly NodeId[], readonly NodeId[]] | null;
}

/** The old rule, kept as a broken variant: form what you see once it has `expect` fresh members, no lock. */
export const formOnView: Rule = (view) => {
  for (const [peer, known] of view.peers) if (known?.configured) return { step: 'join', peer };
  if ([...view.peers.values()].some((known) => known === undefined)) return { step: 'wait' };
  const members = [view.self, ...view.peers.keys()].sort();
  if (members.length === view.expect) return { step: 'form', set: members };
  if (members.length > view.expect) return { step: 'refuse', found: members };
  return { step: 'wait' };
};

/** Runs one seeded schedule of `nodes` fresh nodes with `expect` under `rule`. */
export function runModel(
  rule: Rule,
  options: { seed: number; nodes: number; expect: number; losses: number },
): ModelRun {
  const random = new Prng(options.seed);
  const { expect } = options;
  const nodes: ModelNode[] = Array.from({ length: options.nodes }, (_, i) => ({
    id: `n${i}`,
    lock: null,
    configured: false,
    settled: false,
    outcome: null,
    known: new Map(),
  }));
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const queues = new Map<string, PeerFormation[]>();
  const link = (a: NodeId, b: NodeId) => `${a}>${b}`;
  const hello = (from: ModelNode, to: NodeId) =>
    queues.get(link(from.id, to))?.push({ configured: from.configured, lock: from.lock });
  const tell = (from: ModelNode) => {
    for (const peer of from.known.keys()) hello(from, peer);
  };
  let losses = options.losses;
  let events = 0;

  const view = (node: ModelNode): FormationView => ({
    self: node.id,
    expect,
    lock: node.lock,
    peers: node.known,
    settled: node.settled,
  });
  /** Applies one step; returns whether anything changed. */
  const apply = (node: ModelNode, step: FormationStep): boolean => {
    switch (step.step) {
      case 'wait':
        return false;
      case 'lock':
        node.lock = step.set;
        tell(node);
        return true;
      case 'form':
        node.outcome = { kind: 'formed', set: step.set };
        node.configured = true;
        tell(node);
        return true;
      case 'join':
        node.outcome = { kind: 'joined' };
        return true;
      case 'conflict':
        node.outcome = { kind: 'conflict' };
        return true;
      case 'refuse':
        node.lock = refusalLock(node.id, step.found, expect);
        node.outcome = { kind: 'refused' };
        tell(node);
        return true;
    }
  };
  const disconnect = (a: ModelNode, b: ModelNode) => {
    a.known.delete(b.id);
    b.known.delete(a.id);
    queues.delete(link(a.id, b.id));
    queues.delete(link(b.id, a.id));
  };

  for (;;) {
    const enabled: (() => boolean)[] = [];
    for (const a of nodes) {
      for (const b of nodes) {
        if (a.id >= b.id) continue;
        if (!a.known.has(b.id)) {
          enabled.push(() => {
            a.known.set(b.id, undefined);
            b.known.set(a.id, undefined);
            queues.set(link(a.id, b.id), []);
            queues.set(link(b.id, a.id), []);
            hello(a, b.id);
            hello(b, a.id);
            return true;
          });
        } else if (losses > 0) {
          enabled.push(() => {
            losses--;
            disconnect(a, b);
            return true;
          });
        }
      }
      for (const peer of a.known.keys()) {
        const queue = queues.get(link(peer, a.id)) as PeerFormation[];
        if (queue.length > 0) {
          enabled.push(() => {
            a.known.set(peer, queue.shift());
            return true;
          });
        }
      }
      if (a.outcome === null) {
        enabled.push(() => apply(a, rule(view(a))));
        if (!a.settled) {
          enabled.push(() => {
            a.settled = true;
            return true;
          });
        }
        if (losses > 0) {
          enabled.push(() => {
            losses--;
            for (const peer of [...a.known.keys()]) disconnect(a, byId.get(peer) as ModelNode);
            if (a.lock !== null && a.lock.length !== expect) a.lock = null;
            a.settled = false;
            return true;
          });
        }
      }
    }
    // Quiescent: every event left is a step that changes nothing.
    const waiting = nodes.filter((node) => node.outcome === null);
    const quiet = waiting.every((node) => node.settled && rule(view(node)).step === 'wait');
    if (events >= 20_000 || (quiet && enabled.length === waiting.length)) break;
    events++;
    random.pick(enabled)();
  }

  const formed = nodes.flatMap((node) => (node.outcome?.kind === 'formed' ? [node.outcome.set] : []));
  let violation: ModelRun['violation'] = null;
  for (const a of formed) {
    for (const b of formed) {
      if (violation === null && a.some((id) => b.includes(id)) && !sameSet(a, b)) violation = [a, b];
    }
  }
  return {
    seed: options.seed,
    nodes: options.nodes,
    events,
    outcomes: new Map(nodes.map((node) => [node.id, node.outcome])),
    violation,
  };
}
