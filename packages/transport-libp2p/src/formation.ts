import type { NodeId } from '@baton/core';

/*
 * The formation handshake of `discoverVoters({ expect })` (expect ≥ 2), as a pure decision: what one fresh node
 * does next, given what it knows now. discoverVoters drives it over the live transport; the model check
 * (test/formation-model.test.ts) drives it over every order of connections and messages it draws.
 *
 * A node LOCKS one voter set, at most once in its life (the lock is saved in `dataDir` before any peer hears
 * of it, and read back at the next start), and tells it on every HELLO. It locks the set it sees (itself and
 * its connected fresh peers) when that set has exactly `expect` members, or a set a peer locked when that set
 * has `expect` members, holds this node and only peers it is connected to; never a set some member of it has
 * locked differently (that set can never form). It FORMS its locked set S only once every other member of S
 * told it that it locked S too.
 *
 * Safety: two formed sets that share a member are equal. Let X form S and Y form S', and M be in both. X formed
 * S, so M told X it locked S (or M is X, and locked S); Y formed S', so M locked S'. M locks at most one set,
 * so S = S'. Nothing else is assumed: not the order of messages, not who is connected, not the timings; a
 * node may take any allowed step at any time. (Only sets of `expect` members form: a refusal, below, is never
 * one, so a refusal that is forgotten at a restart cannot make a second lock count.)
 *
 * Progress: with exactly `expect` fresh nodes, every set a node can lock is the set of all of them, so all lock
 * the same set and all form once the locks are heard. With more, locks may conflict: a locked node that hears
 * a member of its set locked another set knows its own can never form, and says so (`conflict`). A node
 * without a lock that sees more than `expect` fresh members, after a settling time, and no lock that could
 * still form, REFUSES: it locks what it sees (more than `expect` members, so never formed), which tells the
 * nodes whose sets name it that those sets cannot form, and throws ExpectMismatchError. A node that sees a
 * cluster joins it, except when the configured peer is a member of the node's own lock that locked it too:
 * that peer formed this very set, and the other locks are on their way.
 */

/** What a fresh node knows of one connected peer once its HELLO arrived. */
export interface PeerFormation {
  /** The peer holds a voter configuration (version > 0): a cluster exists. */
  readonly configured: boolean;
  /** The set the peer said it locked, sorted; null when it said none. */
  readonly lock: readonly NodeId[] | null;
}

/**
 * What a fresh node knows, as {@link decideFormation} reads it.
 *
 * @example
 * ```ts
 * import type { FormationView } from './formation.js';
 * const view: FormationView = {
 *   self: 'a', expect: 3, lock: null, settled: false,
 *   peers: new Map([['b', { configured: false, lock: null }], ['c', undefined]]),
 * };
 * ```
 */
export interface FormationView {
  readonly self: NodeId;
  /** How many members form the first set (2 to 1000). */
  readonly expect: number;
  /** The set this node locked, sorted; null when none. */
  readonly lock: readonly NodeId[] | null;
  /** Every connected peer; undefined until its HELLO arrived. */
  readonly peers: ReadonlyMap<NodeId, PeerFormation | undefined>;
  /** The settling time passed: a node without a lock may refuse. */
  readonly settled: boolean;
}

/**
 * What a fresh node does next: wait; lock `set` (save it, then tell every peer); form its locked `set`; join
 * the cluster `peer` belongs to; fail because its locked set can never form (`peer`, a member of it, locked
 * `other`); or refuse, having found more fresh members than `expect` (`found`).
 *
 * @example
 * ```ts
 * import { decideFormation, type FormationStep } from './formation.js';
 * const step: FormationStep = decideFormation({
 *   self: 'a', expect: 2, lock: null, settled: false, peers: new Map([['b', { configured: false, lock: null }]]),
 * });
 * console.log(step); // { step: 'lock', set: ['a', 'b'] }
 * ```
 */
export type FormationStep =
  | { readonly step: 'wait' }
  | { readonly step: 'lock' | 'form'; readonly set: readonly NodeId[] }
  | { readonly step: 'join'; readonly peer: NodeId }
  | {
      readonly step: 'conflict';
      readonly lock: readonly NodeId[];
      readonly peer: NodeId;
      readonly other: readonly NodeId[];
    }
  | { readonly step: 'refuse'; readonly found: readonly NodeId[] };

/** Whether two sorted sets are equal. */
export function sameSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/**
 * The lock a refusal takes: this node and the first `expect` others it found, sorted. More than `expect`
 * members, so never formed; it only has to differ from every set that names this node.
 *
 * @example
 * ```ts
 * import { refusalLock } from './formation.js';
 * console.log(refusalLock('c', ['a', 'b', 'c', 'd', 'e'], 2)); // ['a', 'b', 'c']
 * ```
 */
export function refusalLock(self: NodeId, found: readonly NodeId[], expect: number): NodeId[] {
  return [self, ...found.filter((id) => id !== self).slice(0, expect)].sort();
}

/**
 * The next step of a fresh node with `expect` ≥ 2 (see the comment at the top of formation.ts). Pure: the same
 * view gives the same step.
 *
 * @example
 * ```ts
 * import { decideFormation } from './formation.js';
 * const peers = new Map([
 *   ['b', { configured: false, lock: ['a', 'b'] }],
 * ]);
 * console.log(decideFormation({ self: 'a', expect: 2, lock: ['a', 'b'], settled: false, peers })); // { step: 'form', set: ['a', 'b'] }
 * ```
 */
export function decideFormation(view: FormationView): FormationStep {
  const { self, expect, lock, peers } = view;
  /** The lock `member` told (this node's own for itself); null: none, or not heard. */
  const lockOf = (member: NodeId) => (member === self ? lock : (peers.get(member)?.lock ?? null));
  /** Some member of `set` locked another set: `set` can never form. */
  const contradicted = (set: readonly NodeId[]) =>
    set.find((member) => {
      const told = lockOf(member);
      return told !== null && !sameSet(told, set);
    });
  const formable = (set: readonly NodeId[]) => set.length === expect && contradicted(set) === undefined;

  if (lock !== null && lock.length === expect && lock.every((member) => sameOrSelf(member, lock))) {
    return { step: 'form', set: lock };
  }
  for (const [peer, known] of [...peers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (known?.configured !== true) continue;
    const formingMine = lock !== null && known.lock !== null && sameSet(known.lock, lock);
    if (!formingMine) return { step: 'join', peer };
  }
  if (lock !== null) {
    const peer = contradicted(lock);
    if (peer !== undefined) {
      return { step: 'conflict', lock, peer, other: lockOf(peer) as readonly NodeId[] };
    }
    return { step: 'wait' };
  }
  const known = [...peers.values()];
  if (known.some((peer) => peer === undefined)) return { step: 'wait' };
  const members = [self, ...peers.keys()].sort();
  const seen = new Set(members);
  const told = known.flatMap((peer) => (peer?.lock ? [peer.lock] : []));
  const candidates = told.filter(
    (set) => set.includes(self) && set.every((member) => seen.has(member)) && formable(set),
  );
  if (members.length === expect && formable(members)) candidates.push(members);
  if (candidates.length > 0) {
    const [first] = candidates.sort((a, b) => (a.join() < b.join() ? -1 : 1));
    return { step: 'lock', set: first as readonly NodeId[] };
  }
  if (members.length > expect && view.settled && !told.some(formable)) {
    return { step: 'refuse', found: members };
  }
  return { step: 'wait' };

  function sameOrSelf(member: NodeId, set: readonly NodeId[]): boolean {
    if (member === self) return true;
    const told = peers.get(member)?.lock;
    return told !== undefined && told !== null && sameSet(told, set);
  }
}
