import {
  ElectionMachine,
  type ElectionMessage,
  type ElectionOptions,
  type ElectionMachine as Machine,
  type PersistentState,
  type Ready,
} from '../../src/index.js';

/** Test-only: a node's machine with the output it produced, and what it persisted. */
export interface Node {
  machine: Machine;
  persisted: PersistentState | null;
  readies: Ready[];
}

/**
 * A synchronous network of machines in the style of etcd's `newNetwork`: messages are delivered by
 * `deliver()`/`stabilize()` in order, and time only moves when the test says so.
 */
export class Net {
  readonly nodes = new Map<string, Node>();
  readonly cut = new Set<string>();
  inbox: ElectionMessage[] = [];
  now = 0;
  readonly voters: readonly string[];

  constructor(
    ids: readonly string[],
    private readonly options: Partial<ElectionOptions> = {},
    private readonly random: () => number = () => 0,
  ) {
    this.voters = ids;
    for (const id of ids) this.add(id);
  }

  add(id: string, state: PersistentState | null = null, voters?: readonly string[]): Node {
    const machine = new ElectionMachine({
      id,
      options: { clusterId: 'test', voters: voters ?? this.voters, ...this.options },
      state,
      random: this.random,
      now: this.now,
    });
    const node: Node = { machine, persisted: state, readies: [] };
    this.nodes.set(id, node);
    this.collect(id);
    return node;
  }

  get(id: string): Machine {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node.machine;
  }

  /** Restarts a node from what it persisted. */
  restart(id: string): Machine {
    const persisted = this.nodes.get(id)?.persisted ?? null;
    const voters = this.get(id).configuration.voters;
    return this.add(id, persisted, voters).machine;
  }

  /** Cuts the link between a and b in both directions. */
  cutLink(a: string, b: string): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  recover(): void {
    this.cut.clear();
  }

  /** Drains a node's output: persist, then queue its messages. */
  collect(id: string): Ready {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    const ready = node.machine.ready();
    if (ready.persist) node.persisted = ready.persist;
    node.readies.push(ready);
    for (const message of ready.messages) {
      if (!this.cut.has(`${message.from}>${message.to}`)) this.inbox.push(message);
    }
    return ready;
  }

  /** Moves time to `at` and fires every node's due timers. */
  advanceTo(at: number): void {
    this.now = at;
    for (const id of this.nodes.keys()) {
      this.get(id).advance(at);
      this.collect(id);
    }
  }

  /** Fires the timer of one node at its deadline (time moves there). */
  timeout(id: string): void {
    this.now = Math.max(this.now, this.get(id).nextDeadline());
    this.get(id).advance(this.now);
    this.collect(id);
  }

  /** Delivers queued messages until none are left. */
  stabilize(filter: (m: ElectionMessage) => boolean = () => true): void {
    while (this.inbox.length > 0) {
      const batch = this.inbox;
      this.inbox = [];
      for (const message of batch) {
        if (!filter(message) || !this.nodes.has(message.to)) continue;
        this.get(message.to).receive(message, this.now);
        this.collect(message.to);
      }
    }
  }

  events(id: string): Ready['events'][number][] {
    return (this.nodes.get(id)?.readies ?? []).flatMap((r) => r.events);
  }

  leaseHolders(): string[] {
    return [...this.nodes.keys()].filter((id) => this.get(id).isLeader(this.now));
  }
}

/** Fires `id`'s election timer and lets every message settle. */
export function elect(net: Net, id: string): void {
  net.timeout(id);
  net.stabilize();
}
