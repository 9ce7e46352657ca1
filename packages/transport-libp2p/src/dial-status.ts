import type { NodeId } from '@baton/core';
import { classifyDialError, type DialErrorKind } from './dial-errors.js';
import type { AddressDiagnostic, DialSource } from './types.js';

interface Entry {
  readonly address: string;
  source: DialSource;
  peer: NodeId | null;
  attempts: number;
  lastAttempt: number | null;
  error: DialErrorKind | null;
  detail: string | null;
  since: number | null;
  resolved: readonly string[] | undefined;
}

/** At most this many entries; past it, the oldest that is not a bootstrap address goes. */
const MAX_ENTRIES = 256;

/**
 * What became of the dials (and DNS lookups) this transport made, per address: the last outcome, how many
 * attempts since the last success, since when it fails. The bootstrap addresses, the addresses their DNS
 * names resolved to, the peers found by mDNS and the members redialled are each one entry, kept while they are
 * dialled. It feeds `diagnostics()` and the warning when no peer is reachable.
 */
export class DialStatus {
  private readonly entries = new Map<string, Entry>();

  /** A dial (or a lookup) of `address` begins. */
  attempt(address: string, source: DialSource, peer: NodeId | null = null): void {
    const entry = this.entry(address, source);
    if (peer !== null) entry.peer = peer;
    entry.attempts++;
    entry.lastAttempt = performance.now();
  }

  /** The dial of `address` reached `peer` (or the lookup of a name gave `resolved`). */
  succeeded(address: string, peer: NodeId | null, resolved?: readonly string[]): void {
    const entry = this.entries.get(address);
    if (entry === undefined) return;
    if (peer !== null) entry.peer = peer;
    entry.attempts = 0;
    entry.error = null;
    entry.detail = null;
    entry.since = null;
    if (resolved !== undefined) entry.resolved = [...resolved];
  }

  /** The dial (or lookup) of `address` failed with `error`; returns why, as a kind. */
  failed(address: string, error: unknown, kind: DialErrorKind = classifyDialError(error)): DialErrorKind {
    const entry = this.entries.get(address);
    if (entry === undefined) return kind;
    entry.error = kind;
    entry.detail = error instanceof Error ? error.message : String(error);
    entry.since ??= entry.lastAttempt ?? performance.now();
    return kind;
  }

  /** `peer` joined: every address it was reached at, or named by, works. */
  reached(peer: NodeId): void {
    for (const entry of this.entries.values()) {
      if (entry.peer === peer && entry.error !== null) this.succeeded(entry.address, peer);
    }
  }

  /** `address` is no longer dialled (gone from a DNS answer, or a member given up on). */
  remove(address: string): void {
    this.entries.delete(address);
  }

  /** Forgets everything (the transport stopped). */
  clear(): void {
    this.entries.clear();
  }

  /** The entries, in the order they were first dialled; `connected` says which peers are connected now. */
  snapshot(connected: ReadonlySet<NodeId>): AddressDiagnostic[] {
    return [...this.entries.values()].map((entry) => ({
      address: entry.address,
      source: entry.source,
      peer: entry.peer,
      connected: entry.peer !== null && connected.has(entry.peer),
      attempts: entry.attempts,
      lastAttempt: entry.lastAttempt,
      error: entry.error,
      detail: entry.detail,
      since: entry.since,
      ...(entry.resolved === undefined ? {} : { resolved: entry.resolved }),
    }));
  }

  private entry(address: string, source: DialSource): Entry {
    let entry = this.entries.get(address);
    if (entry !== undefined) return entry;
    if (this.entries.size >= MAX_ENTRIES) {
      for (const [key, old] of this.entries) {
        if (old.source !== 'bootstrap') {
          this.entries.delete(key);
          break;
        }
      }
    }
    entry = {
      address,
      source,
      peer: null,
      attempts: 0,
      lastAttempt: null,
      error: null,
      detail: null,
      since: null,
      resolved: undefined,
    };
    this.entries.set(address, entry);
    return entry;
  }
}
