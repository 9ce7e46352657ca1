import { majority } from './quorum.js';
import type { Configuration, ConfigurationId, NodeId } from './types.js';

/**
 * Voter configurations and the order between them. Pure functions, table-tested.
 *
 * A configuration is identified by `(term, version)` and ordered by them, term first (MongoDB's logless
 * reconfiguration orders its configs by `(configTerm, configVersion)` the same way). `version` grows by one
 * with every change of the voter set; `term` is the term of the leader that installed the configuration,
 * re-stamped by every new leader before it may change anything. A configuration that a leader installed but
 * never got a majority to hold is thereby older than what any later leader holds, and can never elect again.
 */

/** The configuration of a node that has none yet: it runs as an observer until it learns one. */
export const NO_CONFIGURATION: Configuration = Object.freeze({
  term: 0,
  version: 0,
  voters: Object.freeze([]),
});

/**
 * The first configuration of a cluster, formed from a list of voters (sorted; version 1, term 0), or
 * {@link NO_CONFIGURATION} for an empty list.
 */
export function initialConfiguration(voters: readonly NodeId[]): Configuration {
  return voters.length === 0 ? NO_CONFIGURATION : { term: 0, version: 1, voters: [...voters].sort() };
}

/**
 * Orders configurations by `(term, version)`: negative when `a` is older than `b`, 0 when they have the same
 * id, positive when `a` is newer. A voter grants its vote only to a candidate whose configuration is not older
 * than its own.
 *
 * @example
 * ```ts
 * import { compareConfigurations } from '@baton/core';
 * compareConfigurations({ term: 5, version: 3 }, { term: 4, version: 9 }); // > 0: a later leader's wins
 * compareConfigurations({ term: 5, version: 3 }, { term: 5, version: 4 }); // < 0
 * ```
 */
export function compareConfigurations(a: ConfigurationId, b: ConfigurationId): number {
  return a.term !== b.term ? a.term - b.term : a.version - b.version;
}

/** Whether `a` and `b` name the same configuration. */
export function sameConfiguration(a: ConfigurationId, b: ConfigurationId): boolean {
  return a.term === b.term && a.version === b.version;
}

/** The id of a configuration, without its voters (what most messages carry). */
export function configurationId(configuration: ConfigurationId): ConfigurationId {
  return { term: configuration.term, version: configuration.version };
}

/**
 * Whether every strict majority of `a` shares a member with every strict majority of `b`: then a leader
 * elected under `a` and one elected under `b` cannot both have been elected in one term by disjoint sets of
 * voters. The smallest overlap two majorities can have is what each must take from the voters the sets share
 * once it has used up the voters only it has; they overlap for sure when those two takes exceed the shared
 * voters.
 */
export function majoritiesOverlap(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length === 0 || b.length === 0) return true; // an empty set elects nobody
  const inB = new Set(b);
  const shared = a.filter((voter) => inB.has(voter)).length;
  const onlyA = a.length - shared;
  const onlyB = b.length - shared;
  const fromSharedA = Math.max(0, majority(a.length) - onlyA);
  const fromSharedB = Math.max(0, majority(b.length) - onlyB);
  return fromSharedA + fromSharedB > shared;
}

/**
 * The voters that differ between two voter sets: who is in `to` and not `from`, and who is in `from` and not
 * `to`.
 */
export function voterDifference(
  from: readonly NodeId[],
  to: readonly NodeId[],
): { added: NodeId[]; removed: NodeId[] } {
  const before = new Set(from);
  const after = new Set(to);
  return {
    added: to.filter((voter) => !before.has(voter)),
    removed: from.filter((voter) => !after.has(voter)),
  };
}

/** A short text for logs: `v3@t7 [a, b, c]`. */
export function describeConfiguration(configuration: Configuration): string {
  return `v${configuration.version}@t${configuration.term} [${configuration.voters.join(', ')}]`;
}
