import { CliError } from '../errors.js';

/** The parts of a `LeaderElection#inspect()` snapshot `baton status` prints. */
export interface NodeStatus {
  readonly id: string;
  readonly clusterId: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly isLeader: boolean;
  readonly leaseRemaining?: number;
  readonly status?: string;
  readonly electionStatus?: string;
  readonly membership?: {
    readonly voters: readonly string[];
    readonly observers: readonly string[];
    readonly version: number;
  };
  readonly peersConnected?: readonly string[];
  readonly persistence?: { readonly degraded: boolean };
}

function isSnapshot(value: unknown): value is NodeStatus {
  const candidate = value as Partial<NodeStatus> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.role === 'string' &&
    typeof candidate.term === 'number' &&
    typeof candidate.id === 'string'
  );
}

/**
 * The first `inspect()` snapshot in `body`: the body itself (an endpoint that returns `inspect()`), or one
 * nested in it (terminus health details `{ details: { election: {...} } }`, a status object).
 */
export function findSnapshot(body: unknown, depth = 0): NodeStatus | null {
  if (isSnapshot(body)) return body;
  if (depth > 4 || body === null || typeof body !== 'object') return null;
  for (const value of Object.values(body)) {
    const found = findSnapshot(value, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Fetches `url` and finds the snapshot in its JSON. */
export async function fetchStatus(url: string, timeout: number): Promise<NodeStatus> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(
      'usage',
      `status: ${JSON.stringify(url)} is not a URL (e.g. http://127.0.0.1:3000/baton)`,
    );
  }
  let response: Response;
  try {
    response = await fetch(parsed, {
      signal: AbortSignal.timeout(timeout),
      headers: { accept: 'application/json' },
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError('failure', `status: ${parsed.href} cannot be reached: ${cause}`, { cause: error });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(
      'failure',
      `status: ${parsed.href} answered ${response.status} with something that is not JSON: ${text.slice(0, 80)}`,
    );
  }
  const snapshot = findSnapshot(body);
  if (snapshot === null) {
    throw new CliError(
      'failure',
      `status: ${parsed.href} answered ${response.status} without an election snapshot: expose ` +
        "LeaderElection#inspect() (or LeaderService#inspect(), or Baton's terminus indicator) there",
    );
  }
  return snapshot;
}

/** The snapshot as the lines `baton status` prints. */
export function describeStatus(snapshot: NodeStatus): string[] {
  const lines = [
    `node            ${snapshot.id} (cluster ${snapshot.clusterId})`,
    `status          ${snapshot.status ?? snapshot.electionStatus ?? 'unknown'}`,
    `role            ${snapshot.role}${snapshot.isLeader ? ' (holds the lease)' : ''}`,
    `term            ${snapshot.term}`,
    `leader          ${snapshot.leader ?? '(none known)'}`,
  ];
  if (snapshot.isLeader && snapshot.leaseRemaining !== undefined) {
    lines.push(`lease left      ${snapshot.leaseRemaining.toFixed(1)} ms`);
  }
  if (snapshot.membership !== undefined) {
    const { voters, observers, version } = snapshot.membership;
    lines.push(`voters          ${voters.join(', ') || '(none)'} (configuration version ${version})`);
    if (observers.length > 0) lines.push(`observers       ${observers.join(', ')}`);
  }
  if (snapshot.peersConnected !== undefined) {
    lines.push(`peers           ${snapshot.peersConnected.join(', ') || '(none connected)'}`);
  }
  if (snapshot.persistence?.degraded) lines.push('persistence     DEGRADED: the last save failed');
  return lines;
}
