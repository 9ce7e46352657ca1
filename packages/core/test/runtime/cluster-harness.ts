import {
  type ElectionLogger,
  LeaderElection,
  type LeaderElectionOptions,
  MemoryStateStore,
} from '../../src/index.js';
import { MemoryNetwork, Prng, VirtualClock, type VirtualTimeProvider } from '../../src/testing/index.js';

/** One log line a node wrote. */
export interface LogEntry {
  readonly node: string;
  readonly level: keyof ElectionLogger;
  readonly message: string;
  readonly context?: Record<string, unknown>;
}

/** A logger that records instead of printing. */
export function recordingLogger(node: string, into: LogEntry[]): ElectionLogger {
  const write = (level: keyof ElectionLogger) => (message: string, context?: Record<string, unknown>) => {
    into.push({ node, level, message, context });
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * Runtimes over a memory network in virtual time. Each node has its own time provider (so it can be
 * frozen) and its own memory store, which survives `restart` like a disk.
 */
export class VirtualCluster {
  readonly clock = new VirtualClock(1_000);
  readonly logs: LogEntry[] = [];
  readonly providers = new Map<string, VirtualTimeProvider>();
  readonly stores = new Map<string, MemoryStateStore>();
  readonly nodes = new Map<string, LeaderElection>();
  readonly network: MemoryNetwork;
  private seed = 1;

  constructor(
    readonly ids: readonly string[],
    private readonly extra: Partial<LeaderElectionOptions> = {},
    latencyMs: number | ((from: string, to: string) => number) = 1,
  ) {
    for (const id of ids) {
      this.providers.set(id, this.clock.provider(id));
      this.stores.set(id, new MemoryStateStore(null, `memory:${id}`));
    }
    this.network = new MemoryNetwork({ time: (id) => this.time(id), latencyMs });
    for (const id of ids) this.nodes.set(id, this.create(id));
  }

  /** The node's time provider (made on first use, for nodes outside `ids` such as observers). */
  time(id: string): VirtualTimeProvider {
    let provider = this.providers.get(id);
    if (provider === undefined) {
      provider = this.clock.provider(id);
      this.providers.set(id, provider);
      this.stores.set(id, new MemoryStateStore(null, `memory:${id}`));
    }
    return provider;
  }

  node(id: string): LeaderElection {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  create(id: string, options: Partial<LeaderElectionOptions> = {}): LeaderElection {
    return new LeaderElection({
      clusterId: 'test',
      voters: this.ids,
      timeProvider: this.time(id),
      transport: this.network.transport(id),
      store: this.stores.get(id),
      logger: recordingLogger(id, this.logs),
      random: new Prng(this.seed++).next,
      // These tests are about a fixed voter set; the membership tests turn the autopilot on.
      autopilot: false,
      ...this.extra,
      ...options,
    });
  }

  async startAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.start()));
  }

  async stopAll(): Promise<void> {
    const stopping = Promise.all([...this.nodes.values()].map((node) => node.stop()));
    await this.clock.runUntil(() => [...this.nodes.values()].every((node) => node.status === 'stopped'), {
      within: 10_000,
    });
    await stopping;
  }

  /** The nodes that report leading right now. */
  leaseHolders(): string[] {
    return [...this.nodes]
      .filter(([, node]) => node.status === 'running' && node.isLeader())
      .map(([id]) => id);
  }

  /** Advances until exactly one node leads and every running node knows it; returns its id. */
  async stableLeader(within = 10_000): Promise<string> {
    await this.clock.runUntil(
      () => {
        const leaders = this.leaseHolders();
        if (leaders.length !== 1) return false;
        return [...this.nodes.values()].every(
          (node) => node.status !== 'running' || node.leader() === leaders[0],
        );
      },
      { within },
    );
    return this.leaseHolders()[0]!;
  }

  /** Replaces a stopped node by a new runtime on the same store (a restart that keeps its disk). */
  restart(id: string, options: Partial<LeaderElectionOptions> = {}): LeaderElection {
    const node = this.create(id, options);
    this.nodes.set(id, node);
    return node;
  }
}
