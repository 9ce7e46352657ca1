import type { ElectionMessage } from '@baton/core';
import fc from 'fast-check';

/** The peers of the stream the fuzzed frames arrive on. */
export const FROM = 'a';
export const TO = 'b';

/** Peer ids to lock sets of (the sender, FROM, is the stream's peer: it is not parsed). */
export const PEER_IDS = [
  '12D3KooWMPMattKf9oJvUPDeDLBuk77z7c3LfpGwSSiPH1bGn1ca',
  '12D3KooWMcHyiT8oV8F7QWMQgNU87mcNUacxCwQPBdsLvi9gXPxF',
  '12D3KooWMmnLQ15XjwCXhbPoq6iY7midNp4D8T4yLbQB13GfPadZ',
  '12D3KooWDxfHUAjdzj12R64oK4DKZ1WsXsLo3Q55brD5AMw3YTwo',
  '12D3KooWPCPnJkwEqwicnFmZgTqADKJPt3yLL5DzgBkGfBCXPvo1',
] as const;

/** A formation lock as a HELLO carries it: FROM and 1-4 other peer ids, sorted. */
export const lockedSet = fc
  .subarray([...PEER_IDS], { minLength: 1, maxLength: 4 })
  .map((ids) => [...ids, FROM].sort());

export const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const envelope = { cluster: fc.constant('jobs'), from: fc.constant(FROM), to: fc.constant(TO), term: count };
/** A configuration's id, with any values (version 0: none). */
export const configurationId = fc.record({ term: count, version: count });
/** A configuration sent in full: a version above 0 and 1-7 distinct, sorted voters. */
const fullConfiguration = fc.record({
  term: count,
  version: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  voters: fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 7 })
    .map((v) => v.sort()),
});

/** An election group's name (never the default group's, which travels as none). */
export const groupName = fc
  .stringMatching(/^[a-z0-9][a-z0-9._-]{0,62}$/)
  .filter((name) => name !== 'default');
const positive = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

/** Every election message the state machine can produce, with any field values, of the default group or another. */
export const electionMessage: fc.Arbitrary<ElectionMessage> = fc
  .tuple(
    fc.oneof(
      fc.record({ ...envelope, type: fc.constant('pre-vote' as const), configuration: configurationId }),
      fc.record({ ...envelope, type: fc.constant('pre-vote-response' as const), granted: fc.boolean() }),
      fc.record({
        ...envelope,
        type: fc.constant('vote' as const),
        configuration: configurationId,
        transfer: fc.boolean(),
      }),
      fc.record({ ...envelope, type: fc.constant('vote-response' as const), granted: fc.boolean() }),
      fc.record({
        ...envelope,
        type: fc.constant('heartbeat' as const),
        round: count,
        configuration: fc.oneof(configurationId, fullConfiguration),
        quiet: fc.constantFrom(true, undefined),
      }),
      fc.record({
        ...envelope,
        type: fc.constant('heartbeat-response' as const),
        round: count,
        ok: fc.boolean(),
        configuration: configurationId,
        leaving: fc.boolean(),
        steady: count,
      }),
      fc.record({ ...envelope, type: fc.constant('timeout-now' as const) }),
    ),
    fc.option(groupName, { nil: undefined }),
    fc.option(positive, { nil: undefined }),
  )
  .map(([message, group, extra]) => {
    // The group right after the term: where the decoder puts it (the fuzz test compares JSON, key order too).
    const { cluster, from, to, term, ...rest } = message;
    const grouped = (
      group === undefined ? message : { cluster, from, to, term, group, ...rest }
    ) as ElectionMessage;
    if (extra === undefined) return grouped;
    if (grouped.type === 'heartbeat-response') {
      return {
        ...grouped,
        maxGroupTerm: extra,
        ...(group !== undefined && extra % 2 === 0 ? { asked: true } : {}),
        ...(group !== undefined && extra % 4 === 0 ? { preferred: true } : {}),
      };
    }
    if (grouped.type === 'heartbeat' && 'voters' in grouped.configuration) {
      return { ...grouped, configuration: { ...grouped.configuration, groupTermFloor: extra } };
    }
    return grouped;
  });
