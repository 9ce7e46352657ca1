import type { ElectionMessage, ElectionOptions, PersistentState, Ready } from '../../../src/index.js';
import { describeEvent, describeMessage, type SimLogEntry } from '../../../src/testing/sim-log.js';
import type { SimClusterOptions } from '../../../src/testing/sim-options.js';
import { Net, type Node } from '../harness.js';
import { StoryError } from './script.js';

/** How much a command shows, in the simulator's terms: nothing, faults and events, or every message too. */
export type LogLevel = NonNullable<SimClusterOptions['log']>;

/** Reports a line of the story's output, with the least log level that shows it ('none': always shown). */
export type Trace = (shownFrom: LogLevel, entry: SimLogEntry) => void;

/** Bounds the loops of a story: far more than any story needs, far less than an endless loop takes. */
const MAX_STEPS = 100_000;

/**
 * The test network of {@link Net} with what a story needs on top: it reports every persisted state, event and
 * message as a simulator log line; delivers in rounds, with filters; lets time pass with timers firing at their
 * deadlines; and crashes and restarts nodes from what they persisted.
 */
export class StoryNet extends Net {
  /** Every node added, in the order added (listings keep it across restarts). */
  readonly ids: string[] = [];
  /** Crashed nodes, with what they persisted. */
  readonly down = new Map<string, Node>();
  /** Non-voting members: every node told the leader keeps them informed. */
  readonly observerIds = new Set<string>();

  constructor(
    options: Partial<ElectionOptions>,
    random: () => number,
    private readonly trace: Trace,
  ) {
    super([], options, random);
  }

  /** Starts a node with empty storage and the given voter list. */
  addNode(id: string, voters: readonly string[]): void {
    if (this.ids.includes(id)) throw new StoryError(`node ${id} already exists`);
    this.ids.push(id);
    this.add(id, null, voters);
    this.informObservers(id);
  }

  /** Makes `id` an observer that every node (the leader, in effect) keeps informed. */
  addObserver(id: string): void {
    this.observerIds.add(id);
    for (const other of this.up()) this.get(other).addObserver(id);
  }

  /** The ids of the nodes that are up, in the order added. */
  up(): string[] {
    return this.ids.filter((id) => this.nodes.has(id));
  }

  /** Checks that `id` names a node (up, or down when `allowDown`). */
  node(id: string, allowDown = false): string {
    if (this.nodes.has(id) || (allowDown && this.down.has(id))) return id;
    if (this.down.has(id)) throw new StoryError(`node ${id} is down`);
    throw new StoryError(`no node ${id} (nodes: ${this.ids.join(', ') || 'none'})`);
  }

  // ---------------------------------------------------------------- output

  /** Drains a node's output as `Net` does, and reports it: persisted state, then events, then messages. */
  override collect(id: string): Ready {
    const before = this.nodes.get(id)?.persisted ?? null;
    const ready = super.collect(id);
    const machine = this.get(id);
    if (ready.persist) this.log('events', id, 'note', `persisted ${describeState(ready.persist, before)}`);
    for (const event of ready.events) {
      const end = event.type === 'became-leader' ? machine.leaseEnd(this.now) : null;
      const text = describeEvent(event, end === null ? null : end - this.now);
      if (text !== null) this.log('events', id, 'event', text, event.type);
    }
    for (const message of ready.messages) {
      this.log('messages', id, 'message', `-> ${describeMessage(message)}`);
      // Net left it out of the inbox: say so.
      if (this.linkCut(message)) this.lost(message, 'link cut');
    }
    return ready;
  }

  /** A line about a fault the story caused (crash, cut...), as the simulator logs it; always shown. */
  fault(node: string | null, text: string): void {
    this.log('none', node, 'fault', text);
  }

  private log(
    level: LogLevel,
    node: string | null,
    kind: SimLogEntry['kind'],
    text: string,
    event?: SimLogEntry['event'],
  ): void {
    this.trace(
      level,
      event === undefined ? { at: this.now, node, kind, text } : { at: this.now, node, kind, text, event },
    );
  }

  private lost(message: ElectionMessage, why: string): void {
    this.log('messages', null, 'fault', `lost ${describeMessage(message)}: ${why}`);
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Delivers the messages pending now that `select` picks, in the order sent (or, with `drop`, loses them);
   * the others stay pending, ahead of what the deliveries produce. Returns how many were picked.
   */
  deliverRound(select: (message: ElectionMessage) => boolean, drop: boolean): number {
    const batch = this.inbox;
    const kept: ElectionMessage[] = [];
    this.inbox = [];
    let picked = 0;
    for (const message of batch) {
      if (!select(message)) {
        kept.push(message);
        continue;
      }
      picked++;
      if (drop) this.lost(message, 'dropped by the story');
      else this.receive(message);
    }
    this.inbox = [...kept, ...this.inbox];
    return picked;
  }

  /** Delivers rounds until nothing is pending. */
  deliverAll(): void {
    for (let round = 0; this.inbox.length > 0; round++) {
      if (round === MAX_STEPS) throw new StoryError(`messages still pending after ${MAX_STEPS} rounds`);
      this.deliverRound(() => true, false);
    }
  }

  /** Hands one message to its addressee now, unless the link is cut or the addressee is down. */
  receive(message: ElectionMessage): void {
    const why = this.linkCut(message)
      ? 'link cut'
      : this.down.has(message.to)
        ? `${message.to} is down`
        : this.nodes.has(message.to)
          ? null
          : `no node ${message.to}`;
    if (why !== null) {
      this.lost(message, why);
      return;
    }
    this.log('messages', message.to, 'message', `<- ${describeMessage(message)}`);
    this.get(message.to).receive(message, this.now);
    this.collect(message.to);
  }

  private linkCut(message: ElectionMessage): boolean {
    return this.cut.has(`${message.from}>${message.to}`);
  }

  // ---------------------------------------------------------------- time

  /**
   * Moves time to `until`, firing the timers of `which` nodes at their deadlines, in order (a node's timer that
   * re-arms inside the window fires again). With `network`, every message is delivered as soon as it is sent;
   * without, messages wait for `deliver`.
   */
  passTime(until: number, which: (id: string) => boolean, network: boolean): void {
    if (until < this.now) throw new StoryError(`time cannot go back (now ${this.now}, asked ${until})`);
    for (let step = 0; ; step++) {
      if (step === MAX_STEPS) throw new StoryError(`timers still firing after ${MAX_STEPS} steps`);
      if (network) this.deliverAll();
      const ids = this.up().filter(which);
      const next = Math.min(...ids.map((id) => this.get(id).nextDeadline()));
      if (!(next <= until)) break;
      this.now = Math.max(this.now, next);
      for (const id of ids) {
        if (this.get(id).nextDeadline() > this.now) continue;
        this.get(id).advance(this.now);
        this.collect(id);
      }
    }
    this.now = until;
  }

  // ---------------------------------------------------------------- faults

  /** Stops a node: its machine is gone, what it persisted stays; messages to it are lost until it restarts. */
  crash(id: string): void {
    const node = this.nodes.get(this.node(id)) as Node;
    this.nodes.delete(id);
    this.down.set(id, node);
    this.fault(id, 'crashed');
  }

  /** Starts a crashed node again from what it persisted, with its voter configuration. */
  restartNode(id: string): void {
    const node = this.down.get(id);
    if (node === undefined) throw new StoryError(`node ${this.node(id)} is up: crash it first`);
    this.down.delete(id);
    const state: PersistentState | null = node.persisted;
    this.fault(id, `restarted from term ${state?.term ?? 0}, vote ${state?.votedFor ?? 'none'}`);
    this.add(id, state, node.machine.configuration.voters);
    this.informObservers(id);
  }

  private informObservers(id: string): void {
    for (const observer of this.observerIds) this.get(id).addObserver(observer);
  }
}

/** A persisted state for the log; the configuration only when it differs from the one persisted before. */
function describeState(state: PersistentState, before: PersistentState | null): string {
  const text = `term ${state.term}, vote ${state.votedFor ?? 'none'}`;
  const { term, version, voters } = state.configuration;
  if (before !== null && before.configuration.version === version && before.configuration.term === term)
    return text;
  return `${text}, config v${version}@t${term} [${voters.join(' ')}]`;
}
