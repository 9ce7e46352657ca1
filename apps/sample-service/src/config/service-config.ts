import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { resolveVoters } from '@baton/transport-libp2p';

/** The service's configuration, read from the environment once at start and checked as a whole. */
export interface ServiceConfig {
  /** A human name for this replica, shown in logs and on the dashboard (`NODE_NAME`). */
  readonly nodeName: string;
  /** Interface the HTTP server binds (`HTTP_HOST`). */
  readonly httpHost: string;
  /** Port of the HTTP server (`HTTP_PORT`). */
  readonly httpPort: number;
  /** This replica's own directory: persisted term and vote, the libp2p peer key (`DATA_DIR`). */
  readonly dataDir: string;
  /** libp2p listen multiaddrs (`LISTEN`: multiaddrs, or a bare TCP port). */
  readonly listen: readonly string[];
  /**
   * Multiaddrs dialled at start and redialled (`BOOTSTRAP`), with `/p2p/<id>` or without (a DNS name such
   * as `/dns4/billing-headless/tcp/4001`: every address it resolves to is dialled).
   */
  readonly bootstrap: readonly string[];
  /** Find peers on the local network with mDNS (`MDNS`). */
  readonly mdns: boolean;
  /** The voters: peer ids or multiaddrs with `/p2p/<id>` (`VOTERS`). Exclusive with `expect`. */
  readonly voters: readonly string[] | null;
  /** Form the voter set from the first `expect` nodes that find each other (`EXPECT`). */
  readonly expect: number | null;
  /** Name of the cluster: nodes of other clusters are ignored (`CLUSTER_ID`). */
  readonly clusterId: string;
  /** A private network's swarm key file (`SWARM_KEY_FILE`). */
  readonly swarmKeyFile: string | null;
  /** The SQLite database shared by the replicas of one host (`DB_PATH`). */
  readonly dbPath: string;
  /** How often the leader-only job writes, in milliseconds (`JOB_INTERVAL_MS`). */
  readonly jobInterval: number;
  /** Baton's `electionTimeoutMin`, in milliseconds (`ELECTION_TIMEOUT_MIN_MS`). */
  readonly electionTimeoutMin: number;
  /** Baton's `electionTimeoutMax`, in milliseconds (`ELECTION_TIMEOUT_MAX_MS`). */
  readonly electionTimeoutMax: number;
  /** Baton's `heartbeatInterval`, in milliseconds (`HEARTBEAT_INTERVAL_MS`). */
  readonly heartbeatInterval: number;
  /**
   * Baton's `stopTimeout` (`STOP_TIMEOUT_MS`): how long a stopping leader waits for its successor, in
   * milliseconds; `null`: the library's default (`electionTimeoutMax`).
   */
  readonly stopTimeout: number | null;
  /**
   * The autopilot's `deadVoterTimeout` (`DEAD_VOTER_TIMEOUT_MS`): how long a voter may be unreachable before
   * the leader removes and replaces it, in milliseconds; `null`: the library's default (30 s).
   */
  readonly deadVoterTimeout: number | null;
  /** Log a `lease` record ahead of every heartbeat acknowledgement that can extend the lease (`LEASE_LOG`). */
  readonly leaseLog: boolean;
  /** Shut down gracefully when stdin ends (`STOP_ON_STDIN_END`): the demo launcher's dead-man switch. */
  readonly stopOnStdinEnd: boolean;
}

/** Thrown by {@link loadConfig} with every problem found, each naming its variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULTS = {
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: 3000,
  LISTEN: '/ip4/0.0.0.0/tcp/4001',
  CLUSTER_ID: 'sample-service',
  JOB_INTERVAL_MS: 500,
  // Wider than the library's 150/300 ms: the demo runs several replicas on one busy machine, and a leader
  // gives its lease up after an event-loop stall longer than the lease's slack between renewals, lease −
  // heartbeat interval. With these defaults the lease is 1000 × (1 − 0.05) / (1 + 0.05) = 904.8 ms and the
  // stall bound 804.8 ms (85.7 ms at the library's defaults). test/config.test.ts checks these figures.
  ELECTION_TIMEOUT_MIN_MS: 1000,
  ELECTION_TIMEOUT_MAX_MS: 2000,
  HEARTBEAT_INTERVAL_MS: 100,
} as const;

const CLUSTER_ID = /^[A-Za-z0-9._-]{1,64}$/;
const NODE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Reads one variable at a time and collects every problem, so a bad deploy fails with the whole list. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, fallback: string, pattern?: RegExp, rule?: string): string {
    const value = this.raw(name) ?? fallback;
    if (pattern && !pattern.test(value)) this.fail(name, value, rule ?? `must match ${pattern}`);
    return value;
  }

  integer(name: string, fallback: number | null, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) {
      if (fallback === null) {
        this.problems.push(`${name}: required (an integer between ${min} and ${max})`);
        return min;
      }
      return fallback;
    }
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      this.fail(name, value, `must be an integer between ${min} and ${max}`);
      return fallback ?? min;
    }
    return parsed;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'on', 'yes'].includes(value)) return true;
    if (['0', 'false', 'off', 'no'].includes(value)) return false;
    this.fail(name, value, 'must be on/off (also true/false, 1/0, yes/no)');
    return fallback;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(/[\s,]+/)
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** Runs a check that throws (the libp2p parsers); its message becomes the problem. */
  check(name: string, body: () => unknown): void {
    try {
      body();
    } catch (error) {
      this.problems.push(`${name}: ${(error as Error).message}`);
    }
  }

  fail(name: string, value: string, rule: string): void {
    this.problems.push(`${name}: ${rule} (got ${JSON.stringify(value)})`);
  }
}

/**
 * Reads and checks the configuration. Throws a {@link ConfigError} listing every bad or missing variable;
 * the libp2p transport and the election check their own options again when they start.
 *
 * @example
 * ```ts
 * const config = loadConfig({ NODE_NAME: 'node-1', VOTERS: '12D3KooW…,12D3KooW…,12D3KooW…' });
 * ```
 */
export function loadConfig(env: Env = process.env): ServiceConfig {
  const read = new EnvReader(env);
  const nodeName = read.string(
    'NODE_NAME',
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 64) || 'node',
    NODE_NAME,
    'must be 1-64 letters, digits, ".", "_" or "-"',
  );
  const httpHost = read.string('HTTP_HOST', DEFAULTS.HTTP_HOST);
  const httpPort = read.integer('HTTP_PORT', DEFAULTS.HTTP_PORT, 0, 65_535);
  const dataDir = resolve(read.raw('DATA_DIR') ?? `.baton-data/${nodeName}`);

  const listenRaw = read.list('LISTEN');
  const listen = (listenRaw.length > 0 ? listenRaw : [DEFAULTS.LISTEN]).map((entry) => {
    if (/^\d+$/.test(entry)) {
      const port = Number(entry);
      if (port > 65_535) read.fail('LISTEN', entry, 'a bare port must be between 0 and 65535');
      return `/ip4/0.0.0.0/tcp/${port}`;
    }
    if (!entry.startsWith('/')) {
      read.fail('LISTEN', entry, 'must be multiaddrs like /ip4/0.0.0.0/tcp/4001, or a TCP port');
    }
    return entry;
  });

  const bootstrap = read.list('BOOTSTRAP');
  for (const entry of bootstrap) {
    if (!entry.startsWith('/')) {
      read.fail(
        'BOOTSTRAP',
        entry,
        'each entry must be a multiaddr (/dns4/host/tcp/4001, with /p2p/<peer id> or not)',
      );
    } else if (entry.includes('/p2p/')) {
      read.check('BOOTSTRAP', () => resolveVoters([entry], 'BOOTSTRAP'));
    }
  }
  const mdns = read.boolean('MDNS', false);

  const votersRaw = read.list('VOTERS');
  const expectRaw = read.raw('EXPECT');
  let voters: string[] | null = null;
  let expect: number | null = null;
  if (votersRaw.length > 0 && expectRaw !== undefined) {
    read.problems.push('VOTERS and EXPECT: give one of them, not both');
  } else if (votersRaw.length > 0) {
    voters = votersRaw;
    read.check('VOTERS', () => resolveVoters(votersRaw, 'VOTERS'));
  } else if (expectRaw !== undefined) {
    expect = read.integer('EXPECT', null, 1, 1000);
  } else {
    read.problems.push(
      'VOTERS or EXPECT: required (VOTERS: the voters peer ids or /p2p/ multiaddrs, comma-separated; EXPECT: how many nodes form the cluster)',
    );
  }

  const clusterId = read.string(
    'CLUSTER_ID',
    DEFAULTS.CLUSTER_ID,
    CLUSTER_ID,
    'must be 1-64 letters, digits, ".", "_" or "-"',
  );
  const swarmKey = read.raw('SWARM_KEY_FILE');
  const dbPath = resolve(read.raw('DB_PATH') ?? '.baton-data/shared.db');
  const jobInterval = read.integer('JOB_INTERVAL_MS', DEFAULTS.JOB_INTERVAL_MS, 10, 3_600_000);
  const electionTimeoutMin = read.integer(
    'ELECTION_TIMEOUT_MIN_MS',
    DEFAULTS.ELECTION_TIMEOUT_MIN_MS,
    10,
    60_000,
  );
  const electionTimeoutMax = read.integer(
    'ELECTION_TIMEOUT_MAX_MS',
    Math.max(DEFAULTS.ELECTION_TIMEOUT_MAX_MS, electionTimeoutMin * 2),
    11,
    120_000,
  );
  if (electionTimeoutMax <= electionTimeoutMin) {
    read.problems.push(
      `ELECTION_TIMEOUT_MAX_MS: must be greater than ELECTION_TIMEOUT_MIN_MS (${electionTimeoutMax} <= ${electionTimeoutMin})`,
    );
  }
  const heartbeatInterval = read.integer(
    'HEARTBEAT_INTERVAL_MS',
    Math.max(1, Math.min(DEFAULTS.HEARTBEAT_INTERVAL_MS, Math.floor(electionTimeoutMin / 4))),
    1,
    60_000,
  );
  if (heartbeatInterval >= electionTimeoutMin) {
    read.problems.push(
      `HEARTBEAT_INTERVAL_MS: must be below ELECTION_TIMEOUT_MIN_MS (${heartbeatInterval} >= ${electionTimeoutMin})`,
    );
  }
  const stopTimeout =
    read.raw('STOP_TIMEOUT_MS') === undefined ? null : read.integer('STOP_TIMEOUT_MS', null, 1, 600_000);
  const deadVoterTimeout =
    read.raw('DEAD_VOTER_TIMEOUT_MS') === undefined
      ? null
      : read.integer('DEAD_VOTER_TIMEOUT_MS', null, 1, 86_400_000);
  const leaseLog = read.boolean('LEASE_LOG', true);
  const stopOnStdinEnd = read.boolean('STOP_ON_STDIN_END', false);

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return {
    nodeName,
    httpHost,
    httpPort,
    dataDir,
    listen,
    bootstrap,
    mdns,
    voters,
    expect,
    clusterId,
    swarmKeyFile: swarmKey === undefined ? null : resolve(swarmKey),
    dbPath,
    jobInterval,
    electionTimeoutMin,
    electionTimeoutMax,
    heartbeatInterval,
    stopTimeout,
    deadVoterTimeout,
    leaseLog,
    stopOnStdinEnd,
  };
}

/** The injection token of the {@link ServiceConfig}. */
export const SERVICE_CONFIG = Symbol('ServiceConfig');
