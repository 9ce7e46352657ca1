import type {
  Configuration,
  LeaderElectionEvents,
  LeadershipHandle,
  Membership,
  MembershipChangeOptions,
  NodeId,
  Role,
} from '@baton/core';

/** A handler failure as the fake received it: the event, and what the handler threw or rejected with. */
export interface HandlerFailure {
  readonly event: keyof LeaderElectionEvents;
  readonly error: unknown;
}

/**
 * A hand-driven stand-in for `LeaderElection`, for tests of `LeaderService`'s streams and of the explorer
 * that must not depend on timing: the test sets the state and emits events synchronously. As the runtime
 * does, it catches what a handler throws or rejects with; it records it in `handlerFailures` and does
 * nothing else (the runtime's reaction, a step-down, is tested against the runtime).
 */
export class FakeElection {
  readonly id = 'node-a';
  readonly clusterId = 'fake';
  role: Role = 'follower';
  currentTerm = 0;
  currentLeader: NodeId | null = null;
  leading = false;
  leadership: LeadershipHandle | null = null;
  peerIds: NodeId[] = [];
  members: Membership = {
    voters: ['node-a'],
    observers: [],
    version: 1,
    term: 0,
    change: null,
    leaving: false,
  };
  /** The membership changes asked of it, as `[method, ...arguments]`. */
  readonly changes: unknown[][] = [];
  private readonly handlers = new Map<string, Set<(payload: never) => void>>();

  on<E extends keyof LeaderElectionEvents>(event: E, handler: (payload: LeaderElectionEvents[E]) => void) {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as (payload: never) => void);
    return () => {
      set.delete(handler as (payload: never) => void);
    };
  }

  readonly handlerFailures: HandlerFailure[] = [];

  emit<E extends keyof LeaderElectionEvents>(event: E, payload: LeaderElectionEvents[E]): void {
    const fail = (error: unknown) => this.handlerFailures.push({ event, error });
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        const result = (handler as (p: typeof payload) => unknown)(payload);
        if (result instanceof Promise) result.catch(fail);
      } catch (error) {
        fail(error);
      }
    }
  }

  listenerCount(): number {
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }

  started = false;
  stopped = false;
  steppedDown = 0;
  async start(): Promise<void> {
    this.started = true;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  peerCount(): number {
    return this.peerIds.length;
  }
  stepDown(): void {
    this.steppedDown += 1;
    this.follow(null, this.currentTerm);
  }
  transferLeadership(): void {}
  whenLeader(): Promise<LeadershipHandle> {
    return new Promise(() => {});
  }

  isLeader(): boolean {
    return this.leading;
  }
  leader(): NodeId | null {
    return this.currentLeader;
  }
  term(): number {
    return this.currentTerm;
  }
  peers(): readonly NodeId[] {
    return this.peerIds;
  }
  inspect() {
    return {
      id: this.id,
      role: this.role,
      term: this.currentTerm,
      leader: this.currentLeader,
      isLeader: this.leading,
    };
  }

  /** Makes this node the leader of `term` and emits what the runtime would. */
  becomeLeader(term: number): LeadershipHandle {
    const from = this.currentTerm;
    const previous = this.currentLeader;
    this.currentTerm = term;
    this.role = 'leader';
    this.currentLeader = this.id;
    this.leading = true;
    this.leadership = { term, fencingToken: term, since: 0, signal: new AbortController().signal };
    if (from !== term) this.emit('term-changed', { from, to: term });
    this.emit('leader-changed', { leader: this.id, previous, term });
    this.emit('became-leader', this.leadership);
    return this.leadership;
  }

  /** Makes this node follow `leader` in `term` and emits what the runtime would. */
  follow(leader: NodeId | null, term: number): void {
    const from = this.currentTerm;
    const previous = this.currentLeader;
    const wasLeading = this.leading;
    this.currentTerm = term;
    this.role = 'follower';
    this.currentLeader = leader;
    this.leading = false;
    this.leadership = null;
    if (from !== term) this.emit('term-changed', { from, to: term });
    if (wasLeading) this.emit('leadership-lost', { term: from, reason: 'higher-term' });
    if (previous !== leader) this.emit('leader-changed', { leader, previous, term });
    this.emit('became-follower', { leader, term });
  }

  membership(): Membership {
    return this.members;
  }
  addVoter(node: NodeId, options?: MembershipChangeOptions): Promise<Configuration> {
    this.changes.push(['addVoter', node, options]);
    return Promise.resolve(this.setVoters([...this.members.voters, node]));
  }
  removeVoter(node: NodeId, options?: MembershipChangeOptions): Promise<Configuration> {
    this.changes.push(['removeVoter', node, options]);
    return Promise.resolve(this.setVoters(this.members.voters.filter((id) => id !== node)));
  }
  replaceVoter(old: NodeId, next: NodeId, options?: MembershipChangeOptions): Promise<Configuration> {
    this.changes.push(['replaceVoter', old, next, options]);
    return Promise.resolve(this.setVoters([...this.members.voters.filter((id) => id !== old), next]));
  }

  /** Installs a configuration of `voters` (the next version) and emits `voters-changed`, as the runtime would. */
  setVoters(voters: readonly NodeId[]): Configuration {
    const { voters: before, version, term } = this.members;
    const configuration = { voters, version: version + 1, term: this.currentTerm };
    const observers = this.members.observers.filter((id) => !voters.includes(id));
    this.members = {
      ...this.members,
      voters,
      observers,
      version: configuration.version,
      term: configuration.term,
    };
    this.emit('voters-changed', { configuration, previous: { voters: before, version, term } });
    return configuration;
  }

  /** A member that is not a voter joins: an observer, and a peer. */
  observe(peer: NodeId): void {
    this.members = { ...this.members, observers: [...this.members.observers, peer] };
    this.connect(peer);
  }

  connect(peer: NodeId): void {
    this.peerIds = [...this.peerIds, peer];
    this.emit('peer-joined', peer);
  }

  disconnect(peer: NodeId): void {
    this.peerIds = this.peerIds.filter((id) => id !== peer);
    this.emit('peer-left', peer);
  }
}
