// The leadership timeline: one lane per replica, a bar for every lease a replica held, and the gap between one
// lease and the next. Built only from what the replicas report in their leadership records (GET /events):
//
// - a lease starts at `sinceMono` of `became-leader` (the runtime's own timestamp of the lease's start);
// - it ends at `lost-leadership` or at the latest lease end the replica logged for that term (`lease` records,
//   written before every acknowledgement that can extend the lease), whichever comes first: a killed replica
//   never logs `lost-leadership`, and its lease lasted until the last end it logged.
//
// Every instant is the host's monotonic clock (CLOCK_MONOTONIC, `process.hrtime.bigint()` in each replica, in
// nanoseconds): the replicas run on one machine, so their instants line up with no offset to correct.

const NS_PER_MS = 1_000_000n;

/** ns (bigint) to ms (number), relative to `origin`. */
export function msSince(origin, mono) {
  return Number((mono - origin) / 1000n) / 1000;
}

/** What the dashboard learned from the records: the leases (by pid and term) and the processes' lives. */
export class Timeline {
  /** `${pid}|${term}` -> { nodeId, nodeName, pid, term, start, leaseEnd, lost, reason } */
  leases = new Map();
  /** nodeId -> { nodeId, nodeName, lives: Map<pid, { start, end, how }> } */
  lanes = new Map();
  /** The earliest instant seen: the timeline's 0. */
  origin = null;

  /** Takes one leadership record (any event); returns whether it changed the timeline. */
  add(record) {
    const mono = BigInt(record.mono);
    if (this.origin === null || mono < this.origin) this.origin = mono;
    const life = this.life(record, mono);
    switch (record.event) {
      case 'node-started':
        life.start = mono;
        return true;
      case 'node-stopping':
        life.end = mono;
        life.how = `stopping (${record.signal ?? 'signal'})`;
        return true;
      case 'became-leader': {
        const lease = this.lease(record);
        lease.start = BigInt(record.sinceMono ?? record.mono);
        if (record.leaseEndMono) lease.leaseEnd = max(lease.leaseEnd, BigInt(record.leaseEndMono));
        return true;
      }
      case 'lease': {
        const lease = this.lease(record);
        lease.leaseEnd = max(lease.leaseEnd, BigInt(record.leaseEndMono));
        return true;
      }
      case 'lost-leadership': {
        const lease = this.lease(record);
        lease.lost = mono;
        lease.reason = record.reason ?? null;
        return true;
      }
      default:
        return false;
    }
  }

  /** A process that stopped answering without saying so (killed): its lane ends at `mono`, if still open. */
  down(nodeId, pid, mono) {
    const life = this.lanes.get(nodeId)?.lives.get(pid);
    if (life && life.end === null) {
      life.end = mono;
      life.how = 'stopped answering';
    }
  }

  life(record, mono) {
    let lane = this.lanes.get(record.nodeId);
    if (!lane) {
      lane = { nodeId: record.nodeId, nodeName: record.nodeName, lives: new Map() };
      this.lanes.set(record.nodeId, lane);
    }
    let life = lane.lives.get(record.pid);
    if (!life) {
      life = { start: mono, end: null, how: null };
      lane.lives.set(record.pid, life);
    }
    return life;
  }

  lease(record) {
    const key = `${record.pid}|${record.term}`;
    let lease = this.leases.get(key);
    if (!lease) {
      lease = {
        nodeId: record.nodeId,
        nodeName: record.nodeName,
        pid: record.pid,
        term: record.term,
        start: null,
        leaseEnd: null,
        lost: null,
        reason: null,
      };
      this.leases.set(key, lease);
    }
    return lease;
  }

  /**
   * The lease windows, oldest first: `end` is null while the lease may still be running (`now` is past
   * neither a loss nor its last lease end); `endedBy` says which record bounds it.
   */
  windows(now) {
    const windows = [];
    for (const lease of this.leases.values()) {
      if (lease.start === null) continue; // its became-leader came before this page connected
      let end = null;
      let endedBy = null;
      if (lease.lost !== null && (lease.leaseEnd === null || lease.lost <= lease.leaseEnd)) {
        end = lease.lost;
        endedBy = `lost: ${lease.reason ?? 'unknown'}`;
      } else if (lease.leaseEnd !== null && (lease.lost !== null || lease.leaseEnd < now)) {
        end = lease.leaseEnd;
        endedBy = 'lease lapsed (last lease end it logged)';
      }
      windows.push({ ...lease, end, endedBy });
    }
    return windows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** Between each lease that ended and the next one: `ms` from the one's end to the next's start. */
  gaps(windows) {
    const gaps = [];
    for (let i = 1; i < windows.length; i += 1) {
      const before = windows[i - 1];
      const after = windows[i];
      if (before.end === null) continue;
      gaps.push({ before, after, ms: Number(((after.start - before.end) * 1000n) / NS_PER_MS) / 1000 });
    }
    return gaps;
  }
}

function max(a, b) {
  return a === null || b > a ? b : a;
}

function el(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Formats a gap: "834 ms", "1 204 ms". */
export function formatMs(ms) {
  return `${Math.round(ms).toLocaleString('en-US').replace(/,/g, '\u202f')} ms`;
}

/**
 * Draws the last `spanMs` of the timeline into `container` (lanes sorted by name) and the handovers into
 * `table`. `now` is the host's monotonic clock now, as estimated from the latest status answer.
 */
export function drawTimeline(timeline, { container, axis, table, now, spanMs, nameOf }) {
  if (timeline.origin === null) return;
  const right = msSince(timeline.origin, now);
  const left = right - spanMs;
  const x = (mono) =>
    ((Math.min(Math.max(msSince(timeline.origin, mono), left), right) - left) / spanMs) * 100;
  const windows = timeline.windows(now);
  const gaps = timeline.gaps(windows);
  const lanes = [...timeline.lanes.values()].sort((a, b) =>
    a.nodeName.localeCompare(b.nodeName, 'en', { numeric: true }),
  );
  container.replaceChildren(
    ...lanes.map((lane) => {
      const row = el('div', { class: 'lane', 'data-node': lane.nodeName });
      row.append(el('div', { class: 'lane-name' }, lane.nodeName));
      const track = el('div', { class: 'track' });
      for (const [pid, life] of lane.lives) {
        const end = life.end ?? now;
        if (msSince(timeline.origin, end) < left) continue;
        track.append(
          el('div', {
            class: `life${life.end === null ? ' open' : ''}`,
            style: `left:${x(life.start)}%;width:${x(end) - x(life.start)}%`,
            title: `${lane.nodeName}, pid ${pid}${life.how ? `: ${life.how}` : ''}`,
          }),
        );
        if (life.end !== null) {
          track.append(
            el('div', { class: 'life-end', style: `left:${x(life.end)}%`, title: life.how ?? '' }),
          );
        }
      }
      for (const window of windows.filter((w) => w.nodeId === lane.nodeId)) {
        const end = window.end ?? now;
        if (msSince(timeline.origin, end) < left) continue;
        const duration = msSince(window.start, end);
        track.append(
          el(
            'div',
            {
              class: `bar${window.end === null ? ' open' : ''}`,
              style: `left:${x(window.start)}%;width:${Math.max(x(end) - x(window.start), 0.3)}%`,
              title: `term ${window.term}: ${lane.nodeName} (pid ${window.pid}) held the lease ${formatMs(duration)}${
                window.endedBy ? `; ended: ${window.endedBy}` : ' so far'
              }`,
              'data-term': window.term,
              'data-node': lane.nodeName,
              'data-start-ms': msSince(timeline.origin, window.start).toFixed(3),
              'data-end-ms': window.end === null ? '' : msSince(timeline.origin, window.end).toFixed(3),
            },
            `term ${window.term}`,
          ),
        );
      }
      for (const gap of gaps.filter((g) => g.after.nodeId === lane.nodeId)) {
        if (msSince(timeline.origin, gap.after.start) < left) continue;
        const from = x(gap.before.end);
        const to = x(gap.after.start);
        track.append(
          el('div', {
            class: `gap${gap.ms < 0 ? ' overlap' : ''}`,
            style: `left:${Math.min(from, to)}%;width:${Math.abs(to - from)}%`,
            title: `no leader for ${formatMs(gap.ms)}: from the end of term ${gap.before.term}'s lease to the start of term ${gap.after.term}'s`,
            'data-gap-ms': gap.ms.toFixed(3),
            'data-to-term': gap.after.term,
          }),
        );
        track.lastChild.append(
          el('span', {}, gap.ms < 0 ? `overlap ${formatMs(-gap.ms)}` : formatMs(gap.ms)),
        );
      }
      row.append(track);
      return row;
    }),
  );
  const ticks = [];
  const step = spanMs > 60_000 ? 10_000 : 5_000;
  for (let t = Math.ceil(left / step) * step; t <= right; t += step) {
    ticks.push(
      el(
        'span',
        { class: 'tick', style: `left:${((t - left) / spanMs) * 100}%` },
        `${Math.round((t - right) / 1000)} s`,
      ),
    );
  }
  axis.replaceChildren(...ticks);
  table.replaceChildren(
    ...gaps
      .slice(-12)
      .reverse()
      .map((gap) => {
        const row = el('tr', { 'data-gap-ms': gap.ms.toFixed(3), 'data-to-term': gap.after.term });
        row.append(
          el('td', {}, `${gap.before.term} → ${gap.after.term}`),
          el('td', {}, `${gap.before.nodeName} → ${nameOf(gap.after.nodeId) ?? gap.after.nodeName}`),
          el('td', {}, gap.before.endedBy ?? ''),
          el('td', { class: gap.ms < 0 ? 'bad' : 'num' }, formatMs(gap.ms)),
        );
        return row;
      }),
  );
}
