import { execFileSync } from 'node:child_process';
import type { Placement } from './replicas.js';

/**
 * A private network on this host: a bridge and, per replica, a network namespace joined to it by a veth
 * pair. Cutting a replica off sets the host end of its pair down (both directions, every peer, its HTTP port
 * too); healing sets it up again. Needs root and `ip` (iproute2).
 */
export class BridgedNetwork {
  private readonly tag: string;
  private readonly subnet: string;
  private readonly namespaces: string[] = [];
  private created = false;

  constructor() {
    const n = process.pid % 200;
    this.tag = `bt${process.pid % 100_000}`; // interface names: at most 15 characters
    this.subnet = `10.213.${n}`;
  }

  /** Why this host cannot run it, or `null` when it can. */
  static unavailable(): string | null {
    if (process.getuid?.() !== 0) return 'network namespaces need root';
    try {
      execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    } catch {
      return '`ip netns` (iproute2) does not run here';
    }
    return null;
  }

  private get bridge(): string {
    return `${this.tag}br`;
  }

  private hostEnd(index: number): string {
    return `${this.tag}h${index}`;
  }

  private ip(...args: string[]): void {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  /** Creates the bridge; the host reaches the namespaces at `<subnet>.1`. */
  create(): void {
    this.ip('link', 'add', this.bridge, 'type', 'bridge');
    this.created = true;
    this.ip('addr', 'add', `${this.subnet}.1/24`, 'dev', this.bridge);
    this.ip('link', 'set', this.bridge, 'up');
  }

  /** A namespace for replica number `index` (1-based), joined to the bridge. */
  place(index: number): Placement {
    const netns = `${this.tag}n${index}`;
    const host = `${this.subnet}.${index + 1}`;
    const peer = `${this.tag}p${index}`;
    this.ip('netns', 'add', netns);
    this.namespaces.push(netns);
    this.ip('link', 'add', this.hostEnd(index), 'type', 'veth', 'peer', 'name', peer);
    this.ip('link', 'set', peer, 'netns', netns);
    this.ip('link', 'set', this.hostEnd(index), 'master', this.bridge);
    this.ip('link', 'set', this.hostEnd(index), 'up');
    this.ip('-n', netns, 'addr', 'add', `${host}/24`, 'dev', peer);
    this.ip('-n', netns, 'link', 'set', peer, 'up');
    this.ip('-n', netns, 'link', 'set', 'lo', 'up');
    return { host, netns };
  }

  /** Cuts replica `index` off from everyone. */
  cut(index: number): void {
    this.ip('link', 'set', this.hostEnd(index), 'down');
  }

  /** Joins replica `index` to the others again. */
  heal(index: number): void {
    this.ip('link', 'set', this.hostEnd(index), 'up');
  }

  /** Index of a placement made by {@link place}. */
  indexOf(placement: Placement): number {
    return Number(placement.host.split('.').pop()) - 1;
  }

  /** Removes the namespaces (and with them their veth ends) and the bridge. */
  destroy(): void {
    for (const netns of this.namespaces.splice(0)) {
      try {
        this.ip('netns', 'del', netns);
      } catch {
        // already gone
      }
    }
    if (this.created) {
      this.created = false;
      try {
        this.ip('link', 'del', this.bridge);
      } catch {
        // already gone
      }
    }
  }
}
