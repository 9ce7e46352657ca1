import type { DropReason, ElectionCounters } from './types.js';

const DROP_REASONS: readonly DropReason[] = [
  'wrong-cluster',
  'misaddressed',
  'stale-term',
  'not-a-voter',
  'leader-sticky',
  'unexpected',
  'invalid',
];

/** The machine's counters, mutable inside, copied out for the inspect snapshot. */
export class MachineCounters {
  private electionsStarted = 0;
  private electionsWon = 0;
  private electionsLost = 0;
  private preVotesStarted = 0;
  private preVotesLost = 0;
  private messagesReceived = 0;
  private messagesSent = 0;
  private readonly dropped = new Map<DropReason, number>();

  electionStarted(): void {
    this.electionsStarted++;
  }
  electionWon(): void {
    this.electionsWon++;
  }
  electionLost(): void {
    this.electionsLost++;
  }
  preVoteStarted(): void {
    this.preVotesStarted++;
  }
  preVoteLost(): void {
    this.preVotesLost++;
  }
  received(): void {
    this.messagesReceived++;
  }
  sent(): void {
    this.messagesSent++;
  }
  drop(reason: DropReason): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }

  snapshot(): ElectionCounters {
    const messagesDropped = Object.fromEntries(
      DROP_REASONS.map((reason) => [reason, this.dropped.get(reason) ?? 0]),
    ) as Record<DropReason, number>;
    return {
      electionsStarted: this.electionsStarted,
      electionsWon: this.electionsWon,
      electionsLost: this.electionsLost,
      preVotesStarted: this.preVotesStarted,
      preVotesLost: this.preVotesLost,
      messagesReceived: this.messagesReceived,
      messagesSent: this.messagesSent,
      messagesDropped,
    };
  }
}
