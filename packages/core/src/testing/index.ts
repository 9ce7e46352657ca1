/**
 * `@baton/core/testing`: the harness our own tests use and users can use too: a simulated network of
 * election state machines in virtual time with faults and invariant checks, an in-memory transport, and
 * the transport compliance suite.
 *
 * @packageDocumentation
 */
export {};
