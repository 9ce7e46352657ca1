/** A leadership record as the service writes it (see src/leadership/leadership-log.ts). */
export interface Record {
  readonly log: 'leadership';
  readonly event: string;
  readonly mono: string;
  readonly term: number;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly pid: number;
  readonly sinceMono?: string;
  readonly leaseEndMono?: string | null;
  readonly reason?: string;
  /** The election group; absent for the default election. */
  readonly group?: string;
}

/** The instants one process held a valid lease of one election group for one term, on the host's monotonic clock (ns). */
export interface Window {
  /** The election group (`'default'`: the cluster's leader); a job is named after its group. */
  readonly group: string;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly pid: number;
  readonly term: number;
  readonly start: bigint;
  readonly end: bigint;
  /** How the end was found: the lost-leadership record, or the last lease end observed. */
  readonly endedBy: 'lost-leadership' | 'lease';
}

/**
 * Lines up leadership windows from the records of every process: a window starts at the lease's start
 * (`sinceMono` of `became-leader`) and ends at the earlier of `lost-leadership` and the latest lease end the
 * process logged for that term. The second bound matters for a process that was SIGKILLed (it never logs
 * `lost-leadership`) or SIGSTOPped (it logs it only when it wakes up, long after its lease lapsed).
 */
export function leadershipWindows(records: readonly Record[]): Window[] {
  // Each election group's records make its own windows (a record without `group` is the default election's).
  const windows: Window[] = [];
  for (const began of records.filter((record) => record.event === 'became-leader')) {
    const group = began.group ?? 'default';
    const same = records.filter(
      (record) =>
        record.pid === began.pid && record.term === began.term && (record.group ?? 'default') === group,
    );
    const lost = same.find((record) => record.event === 'lost-leadership');
    const leaseEnds = same
      .map((record) => record.leaseEndMono)
      .filter((value): value is string => typeof value === 'string')
      .map(BigInt);
    const start = BigInt(began.sinceMono ?? began.mono);
    // biome-ignore lint/complexity/useMathMinMax: Math.max does not take bigints
    const leaseEnd = leaseEnds.length > 0 ? leaseEnds.reduce((a, b) => (a > b ? a : b)) : null;
    const lostAt = lost ? BigInt(lost.mono) : null;
    let end: bigint;
    let endedBy: Window['endedBy'];
    if (lostAt !== null && (leaseEnd === null || lostAt <= leaseEnd)) {
      end = lostAt;
      endedBy = 'lost-leadership';
    } else if (leaseEnd !== null) {
      end = leaseEnd;
      endedBy = 'lease';
    } else {
      throw new Error(
        `${began.nodeName} (pid ${began.pid}) group ${group} term ${began.term}: no lease end and no loss logged`,
      );
    }
    windows.push({
      group,
      nodeName: began.nodeName,
      nodeId: began.nodeId,
      pid: began.pid,
      term: began.term,
      start,
      end,
      endedBy,
    });
  }
  return windows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** Pairs of windows of one election group that share an instant (two groups' leaders may overlap). */
export function overlaps(windows: readonly Window[]): [Window, Window][] {
  const found: [Window, Window][] = [];
  for (let i = 0; i < windows.length; i += 1) {
    for (let j = i + 1; j < windows.length; j += 1) {
      const a = windows[i]!;
      const b = windows[j]!;
      if (a.group === b.group && a.start < b.end && b.start < a.end) found.push([a, b]);
    }
  }
  return found;
}
