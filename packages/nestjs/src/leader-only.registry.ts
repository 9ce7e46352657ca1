import type { LeadershipHandle } from '@baton/core';

/**
 * What a `@LeaderOnly()` method asks at run time: the leadership this node holds right now, if any, of the
 * default election or of the election group the method was decorated for.
 */
export interface LeadershipGate {
  /** The current leadership of `group` (the default election without one) while this node holds a valid lease, otherwise `null`. */
  currentLeadership(group?: string): LeadershipHandle | null;
}

/*
 * Decorators run when a class is defined, long before any module exists, so they cannot inject the
 * LeaderService. The explorer fills this registry at bootstrap instead: every provider or controller
 * instance with a `@LeaderOnly()` method is mapped to the gate (the LeaderService) of its own application.
 * Mapping instances, not classes, keeps several applications in one process (tests, or two clusters)
 * apart. Request-scoped and transient providers get new instances after bootstrap; for those the class
 * is mapped, and used only while exactly one application registered it.
 */
const gatesByInstance = new WeakMap<object, LeadershipGate>();
const gatesByPrototype = new WeakMap<object, Set<LeadershipGate>>();

/** Maps a provider instance to its application's gate; returns the function that removes the mapping. */
export function registerLeaderOnlyInstance(instance: object, gate: LeadershipGate): () => void {
  gatesByInstance.set(instance, gate);
  return () => {
    if (gatesByInstance.get(instance) === gate) gatesByInstance.delete(instance);
  };
}

/** Maps a class (its prototype) to a gate, for instances created after bootstrap. */
export function registerLeaderOnlyPrototype(prototype: object, gate: LeadershipGate): () => void {
  let gates = gatesByPrototype.get(prototype);
  if (!gates) {
    gates = new Set();
    gatesByPrototype.set(prototype, gates);
  }
  gates.add(gate);
  return () => {
    gates.delete(gate);
  };
}

/** The gate that decides for `instance`, or `undefined` when no application (or more than one) claims it. */
export function resolveLeadershipGate(instance: unknown): LeadershipGate | undefined {
  if (instance === null || (typeof instance !== 'object' && typeof instance !== 'function')) return undefined;
  const direct = gatesByInstance.get(instance);
  if (direct) return direct;
  const gates = gatesByPrototype.get(Object.getPrototypeOf(instance));
  if (gates?.size !== 1) return undefined;
  return gates.values().next().value;
}
