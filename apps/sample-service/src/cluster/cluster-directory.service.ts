import { type ClusterMessage, LeaderService, OnClusterMessage, OnPeerJoined } from '@baton/nestjs';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG, type ServiceConfig } from '../config/service-config.js';

/** A node of the cluster as the dashboard knows it. */
export interface KnownNode {
  readonly id: string;
  readonly name: string;
  /** Base URL of its HTTP server (dashboard, /status). */
  readonly url: string;
  readonly self: boolean;
  /** Milliseconds since its last announcement (0 for this node). */
  readonly lastSeen: number;
}

interface HttpAnnouncement {
  readonly kind: 'sample-service/http';
  readonly name: string;
  readonly url: string;
}

const ANNOUNCE_EVERY_MS = 2_000;

function isAnnouncement(payload: unknown): payload is HttpAnnouncement {
  const candidate = payload as Partial<HttpAnnouncement> | null;
  return (
    candidate?.kind === 'sample-service/http' &&
    typeof candidate.name === 'string' &&
    typeof candidate.url === 'string'
  );
}

/**
 * How the dashboard learns the other nodes' HTTP addresses: every node broadcasts its own over Baton's
 * cluster messages (`LeaderService#broadcast`) when it starts, whenever a peer joins, and every 2 s. Nodes
 * are remembered after they go away, so the dashboard can show them as down.
 */
@Injectable()
export class ClusterDirectory implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly nodes = new Map<string, { name: string; url: string; seenAt: number }>();
  private timer: NodeJS.Timeout | null = null;
  private url = '';

  constructor(
    private readonly leader: LeaderService,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** Called by main.ts once the HTTP server listens (the port may have been 0). */
  setOwnUrl(url: string): void {
    this.url = url;
    this.announce();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.announce(), ANNOUNCE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  @OnPeerJoined()
  peerJoined(): void {
    this.announce();
  }

  @OnClusterMessage()
  received({ from, payload }: ClusterMessage): void {
    if (!isAnnouncement(payload)) return;
    this.nodes.set(from, { name: payload.name, url: payload.url, seenAt: performance.now() });
  }

  /** Every node this one has heard of, itself first. */
  list(): KnownNode[] {
    const now = performance.now();
    const others = [...this.nodes.entries()]
      .filter(([id]) => id !== this.leader.id)
      .map(([id, node]) => ({
        id,
        name: node.name,
        url: node.url,
        self: false,
        lastSeen: Math.round(now - node.seenAt),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return [
      { id: this.leader.id, name: this.config.nodeName, url: this.url, self: true, lastSeen: 0 },
      ...others,
    ];
  }

  private announce(): void {
    if (this.url === '') return;
    try {
      this.leader.broadcast({ kind: 'sample-service/http', name: this.config.nodeName, url: this.url });
    } catch {
      // not started yet, or stopping: the next announcement will do
    }
  }
}
