import { compareConfigurations, describeConfiguration, majoritiesOverlap } from '../machine/configuration.js';
import { majority } from '../machine/quorum.js';
import type { Configuration, NodeId } from '../machine/types.js';

/** What a configuration check found wrong: the invariant and a description. */
export interface ConfigurationFinding {
  readonly invariant: 'configurations-overlap' | 'done-configuration-kept';
  readonly description: string;
}

/**
 * The configuration invariants of membership (`machine/membership.ts`), checked over what every node of a
 * simulated cluster holds: in memory while it runs, on disk while it is down (it comes back with that); a
 * node gone for good holds nothing.
 *
 * - A configuration **can win** an election when a node holding it is one of its voters, and a majority of its
 *   voters hold it or an older one (a voter grants a vote only to a candidate whose configuration is at least
 *   as new as its own). This over-approximates (it ignores terms and stickiness), which only makes the checks
 *   stricter.
 * - `configurations-overlap`: any two configurations that can win at the same time have intersecting
 *   majorities, or two leaders could be elected in one term by disjoint voters.
 * - `done-configuration-kept`: once a configuration was done (a majority of its voters held it or newer), no
 *   older configuration can win again: a change, once done, is never lost.
 */
export class ConfigurationInvariants {
  /** The newest configuration ever seen done. */
  private done: Configuration | null = null;
  private readonly reported = new Set<string>();

  /** Checks what the nodes hold now; returns what is wrong (each finding once). */
  check(held: ReadonlyMap<NodeId, Configuration>): ConfigurationFinding[] {
    const distinct = new Map<string, Configuration>();
    for (const configuration of held.values()) {
      if (configuration.version > 0) distinct.set(key(configuration), configuration);
    }
    const findings: ConfigurationFinding[] = [];
    const winners: Configuration[] = [];
    for (const configuration of distinct.values()) {
      let older = 0;
      let newer = 0;
      for (const voter of configuration.voters) {
        const holds = held.get(voter);
        if (holds === undefined) continue;
        const order = compareConfigurations(holds, configuration);
        if (order <= 0) older++;
        if (order >= 0) newer++;
      }
      const needed = majority(configuration.voters.length);
      if (newer >= needed && (this.done === null || compareConfigurations(configuration, this.done) > 0)) {
        this.done = configuration;
      }
      const candidate = configuration.voters.some((voter) => {
        const holds = held.get(voter);
        return holds !== undefined && key(holds) === key(configuration);
      });
      if (candidate && older >= needed) winners.push(configuration);
    }
    for (let i = 0; i < winners.length; i++) {
      const a = winners[i] as Configuration;
      for (let j = i + 1; j < winners.length; j++) {
        const b = winners[j] as Configuration;
        if (majoritiesOverlap(a.voters, b.voters)) continue;
        this.report(
          findings,
          'configurations-overlap',
          `${key(a)}|${key(b)}`,
          () =>
            `${describeConfiguration(a)} and ${describeConfiguration(b)} can both win an election, with disjoint majorities`,
        );
      }
    }
    const done = this.done;
    if (done !== null) {
      for (const winner of winners) {
        if (compareConfigurations(winner, done) >= 0) continue;
        this.report(
          findings,
          'done-configuration-kept',
          `${key(winner)}<${key(done)}`,
          () =>
            `${describeConfiguration(winner)} can win an election although the newer ${describeConfiguration(done)} was done`,
        );
      }
    }
    return findings;
  }

  private report(
    findings: ConfigurationFinding[],
    invariant: ConfigurationFinding['invariant'],
    id: string,
    describe: () => string,
  ): void {
    if (this.reported.has(`${invariant}:${id}`)) return;
    this.reported.add(`${invariant}:${id}`);
    findings.push({ invariant, description: describe() });
  }
}

function key(configuration: Configuration): string {
  return `${configuration.term}.${configuration.version}.${configuration.voters.join(',')}`;
}
