import type { ElectionMessage } from '@baton/core';
import fc from 'fast-check';

/** The peers of the stream the fuzzed frames arrive on. */
export const FROM = 'a';
export const TO = 'b';

export const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const envelope = { cluster: fc.constant('jobs'), from: fc.constant(FROM), to: fc.constant(TO), term: count };

/** Every election message the state machine can produce, with any field values. */
export const electionMessage: fc.Arbitrary<ElectionMessage> = fc.oneof(
  fc.record({ ...envelope, type: fc.constant('pre-vote' as const), configVersion: count }),
  fc.record({ ...envelope, type: fc.constant('pre-vote-response' as const), granted: fc.boolean() }),
  fc.record({
    ...envelope,
    type: fc.constant('vote' as const),
    configVersion: count,
    transfer: fc.boolean(),
  }),
  fc.record({ ...envelope, type: fc.constant('vote-response' as const), granted: fc.boolean() }),
  fc.record({ ...envelope, type: fc.constant('heartbeat' as const), round: count }),
  fc.record({
    ...envelope,
    type: fc.constant('heartbeat-response' as const),
    round: count,
    ok: fc.boolean(),
  }),
  fc.record({ ...envelope, type: fc.constant('timeout-now' as const) }),
);
