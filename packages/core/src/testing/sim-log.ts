import type { ElectionEvent, ElectionMessage, NodeId } from '../machine/types.js';

/**
 * One line of a simulation's event log.
 *
 * @example
 * ```ts
 * import { SimCluster, type SimLogEntry } from '@baton/core/testing';
 * const c = SimCluster.create({ nodes: 3 });
 * c.runFor(1_000);
 * const wins: SimLogEntry[] = c.log.filter((e) => e.event === 'became-leader');
 * ```
 */
export interface SimLogEntry {
  /** Virtual time, in milliseconds since the simulation started. */
  readonly at: number;
  /** The node it concerns, or `null` for the network, the schedule and narration. */
  readonly node: NodeId | null;
  /** What kind of line this is. */
  readonly kind: 'event' | 'fault' | 'command' | 'message' | 'note' | 'violation';
  readonly text: string;
  /** For `kind: 'event'`, the machine event's type. */
  readonly event?: ElectionEvent['type'];
}

/**
 * Renders a log entry on one line: virtual time, node, text.
 *
 * @example
 * ```ts
 * import { formatLogEntry } from '@baton/core/testing';
 * formatLogEntry({ at: 312.5, node: 'n2', kind: 'event', text: 'became leader of term 1' });
 * // '   312.500 ms  n2    became leader of term 1'
 * ```
 */
export function formatLogEntry(entry: SimLogEntry): string {
  return `${entry.at.toFixed(3).padStart(10)} ms  ${(entry.node ?? '--').padEnd(5)} ${entry.text}`;
}

/**
 * Describes a machine event for the log, or returns `null` for events too fine-grained to show.
 *
 * @example
 * ```ts
 * import { describeEvent } from './sim-log.js';
 * describeEvent({ type: 'term-changed', from: 1, to: 2 }, null); // 'term 1 -> 2'
 * ```
 */
export function describeEvent(event: ElectionEvent, leaseLeftMs: number | null): string | null {
  switch (event.type) {
    case 'became-leader':
      return `became leader of term ${event.term} (fencing token ${event.term}, lease ${leaseLeftMs === null ? '?' : leaseLeftMs.toFixed(1)} ms left)`;
    case 'leadership-lost':
      return `lost leadership of term ${event.term}: ${event.reason}`;
    case 'role-changed':
      return `${event.from} -> ${event.to} (term ${event.term})`;
    case 'term-changed':
      return `term ${event.from} -> ${event.to}`;
    case 'voters-changed':
      return `voters ${event.previous.voters.join(' ')} -> ${event.configuration.voters.join(' ')} (v${event.configuration.version}@t${event.configuration.term})`;
    case 'became-follower':
      return null; // role-changed already says it
    case 'leader-changed':
      return `knows leader ${event.leader ?? 'none'} (term ${event.term})`;
  }
}

/**
 * Describes a message for the message trace.
 *
 * @example
 * ```ts
 * import { describeMessage } from './sim-log.js';
 * describeMessage({ type: 'heartbeat', cluster: 'c', from: 'a', to: 'b', term: 3, round: 7, configuration: { term: 0, version: 1 } });
 * // 'heartbeat a->b t3 round 7'
 * ```
 */
export function describeMessage(m: ElectionMessage): string {
  const head = `${m.type} ${m.from}->${m.to} t${m.term}`;
  switch (m.type) {
    case 'pre-vote-response':
    case 'vote-response':
      return `${head} ${m.granted ? 'granted' : 'refused'}`;
    case 'heartbeat':
      return m.quiet === true ? `${head} round ${m.round} quiet` : `${head} round ${m.round}`;
    case 'heartbeat-response':
      return `${head} round ${m.round} ${m.ok ? 'ok' : 'stale'}`;
    case 'vote':
      return m.transfer ? `${head} (transfer)` : head;
    default:
      return head;
  }
}
