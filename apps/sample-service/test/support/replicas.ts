import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadOrCreatePeerKey } from '@baton/transport-libp2p';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Record } from './leadership-windows.js';

export const SERVICE_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Ports the OS says are free right now (listen on 0, read the port, close). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

/** Polls `probe` until it returns a value other than `undefined`, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${lastError})` : ''}`);
}

/** What GET /status answers (the part the tests read). */
export interface Status {
  nodeName: string;
  pid: number;
  role: string;
  term: number;
  isLeader: boolean;
  leader: string | null;
  leaseRemaining: number;
  peersConnected: string[];
  membership: {
    voters: string[];
    observers: string[];
    version: number;
    change: { added: string | null; removed: string | null } | null;
  };
}

/** Where a replica runs: its address, and the network namespace it runs in (`null`: the host's). */
export interface Placement {
  readonly host: string;
  readonly netns: string | null;
}

/** One replica of the sample service: fixed name, ports, key and data directory across restarts. */
export class Replica {
  process: ChildProcess | null = null;
  readonly records: Record[] = [];
  readonly pids: number[] = [];
  exited: Promise<void> = Promise.resolve();
  readonly dataDir: string;
  id = '';
  stopped = false;

  constructor(
    readonly name: string,
    readonly httpPort: number,
    readonly p2pPort: number,
    private readonly root: string,
    readonly placement: Placement = { host: '127.0.0.1', netns: null },
  ) {
    this.dataDir = join(root, name);
  }

  get url(): string {
    return `http://${this.placement.host}:${this.httpPort}`;
  }

  get address(): string {
    return `/ip4/${this.placement.host}/tcp/${this.p2pPort}/p2p/${this.id}`;
  }

  get running(): boolean {
    return this.process !== null;
  }

  async createKey(): Promise<void> {
    this.id = peerIdFromPrivateKey(await loadOrCreatePeerKey(this.dataDir)).toString();
  }

  /**
   * Spawns the service with `cluster`'s other replicas as bootstrap peers and the whole of `cluster` as its
   * voters (`env` may replace `VOTERS` with `EXPECT`). In a network namespace, `ip netns exec` execs node
   * itself, so the pid is the service's.
   */
  start(cluster: readonly Replica[], env: NodeJS.ProcessEnv = {}): void {
    const { host, netns } = this.placement;
    const [command, args] =
      netns === null
        ? [process.execPath, [SERVICE_MAIN]]
        : ['ip', ['netns', 'exec', netns, process.execPath, SERVICE_MAIN]];
    const child = spawn(command, args, {
      env: {
        ...process.env,
        NODE_NAME: this.name,
        HTTP_HOST: host,
        HTTP_PORT: String(this.httpPort),
        DATA_DIR: this.dataDir,
        LISTEN: `/ip4/${host}/tcp/${this.p2pPort}`,
        BOOTSTRAP: cluster
          .filter((other) => other !== this)
          .map((other) => other.address)
          .join(','),
        VOTERS: cluster.map((other) => other.id).join(','),
        CLUSTER_ID: 'process-test',
        DB_PATH: join(this.root, 'shared.db'),
        JOB_INTERVAL_MS: '200',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    this.stopped = false;
    if (child.pid) this.pids.push(child.pid);
    const log = join(this.root, `${this.name}.log`);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      appendFileSync(log, `${line}\n`);
      if (!line.startsWith('{"log":"leadership"')) return;
      this.records.push(JSON.parse(line) as Record);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => appendFileSync(log, `${line}\n`));
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.process === child) this.process = null;
        resolve();
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.process?.pid) process.kill(this.process.pid, signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
  }

  /** GET /status; fails after `timeout` ms. */
  async status(timeout = 500): Promise<Status> {
    const response = await fetch(`${this.url}/status`, { signal: AbortSignal.timeout(timeout) });
    if (!response.ok) throw new Error(`${this.name}: HTTP ${response.status}`);
    return (await response.json()) as Status;
  }
}

/** The replica that leads now (asked over HTTP), among the running, not stopped, ones. */
export async function currentLeader(
  replicas: readonly Replica[],
  accept: (leader: Replica, status: Status) => boolean = () => true,
): Promise<{ replica: Replica; status: Status } | undefined> {
  for (const replica of replicas) {
    if (!replica.running || replica.stopped) continue;
    const status = await replica.status().catch(() => null);
    if (status?.isLeader && accept(replica, status)) return { replica, status };
  }
  return undefined;
}

/** One server-sent event, its data parsed as JSON. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Opens the SSE stream at `url`, returns its first `count` events and closes it (fails after `timeoutMs`). */
export async function firstEvents(
  url: string,
  count: number,
  timeoutMs = 10_000,
): Promise<ServerSentEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`no ${count} events from ${url} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    const response = await fetch(url, {
      signal: controller.signal,
      headers: { accept: 'text/event-stream' },
    });
    if (!response.ok || response.body === null) throw new Error(`${url}: HTTP ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const events: ServerSentEvent[] = [];
    let buffer = '';
    while (events.length < count) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`${url}: the stream ended after ${events.length} events`);
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          lines
            .filter((line) => line.startsWith(`${name}:`))
            .map((line) => line.slice(name.length + 1).trimStart());
        const data = field('data');
        if (data.length > 0)
          events.push({ event: field('event')[0] ?? 'message', data: JSON.parse(data.join('\n')) });
      }
    }
    return events.slice(0, count);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
