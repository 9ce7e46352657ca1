import { describe, expect, it } from 'vitest';
import { leadershipWindows, overlaps, type Record } from './support/leadership-windows.js';

// The checker the process test relies on, on hand-made logs: the windows must come out right for a clean
// handover, a SIGKILL (no loss logged) and a SIGSTOP (loss logged long after the lease ended).

function record(pid: number, event: string, term: number, mono: number, extra: Partial<Record> = {}): Record {
  return {
    log: 'leadership',
    event,
    term,
    mono: String(mono),
    nodeId: `id-${pid}`,
    nodeName: `n${pid}`,
    pid,
    ...extra,
  };
}

describe('leadershipWindows', () => {
  it('ends a window at the loss, at the last lease end when no loss came first, and finds overlaps', () => {
    const records = [
      // pid 1 leads term 1 and hands over at 300.
      record(1, 'became-leader', 1, 105, { sinceMono: '100', leaseEndMono: '200' }),
      record(1, 'lease', 1, 150, { leaseEndMono: '400' }),
      record(1, 'lost-leadership', 1, 300),
      // pid 2 leads term 2 from 310 and is SIGKILLed: its last lease end, 500, ends the window.
      record(2, 'became-leader', 2, 312, { sinceMono: '310', leaseEndMono: '450' }),
      record(2, 'lease', 2, 350, { leaseEndMono: '500' }),
      // pid 3 leads term 3 from 520, is frozen, and logs the loss when it wakes at 2000.
      record(3, 'became-leader', 3, 521, { sinceMono: '520', leaseEndMono: '700' }),
      record(3, 'lost-leadership', 3, 2000),
    ];
    const windows = leadershipWindows(records);
    expect(windows.map(({ pid, term, start, end, endedBy }) => ({ pid, term, start, end, endedBy }))).toEqual(
      [
        { pid: 1, term: 1, start: 100n, end: 300n, endedBy: 'lost-leadership' },
        { pid: 2, term: 2, start: 310n, end: 500n, endedBy: 'lease' },
        { pid: 3, term: 3, start: 520n, end: 700n, endedBy: 'lease' },
      ],
    );
    expect(overlaps(windows)).toEqual([]);

    // A fourth leader starting before the frozen one's lease ended would be caught.
    const early = leadershipWindows([
      ...records,
      record(4, 'became-leader', 4, 650, { sinceMono: '650', leaseEndMono: '900' }),
    ]);
    expect(overlaps(early).map(([a, b]) => [a.pid, b.pid])).toEqual([[3, 4]]);
  });
});
