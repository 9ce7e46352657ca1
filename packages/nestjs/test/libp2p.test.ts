import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderModule, LeaderService } from '../src/index.js';
import { LEADER_ELECTION } from '../src/leader.constants.js';

let app: TestingModule | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('libp2p options', () => {
  it('load @baton/transport-libp2p lazily and run the election over a real libp2p node', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'baton-nestjs-libp2p-'));
    app = await Test.createTestingModule({
      imports: [
        LeaderModule.forRoot({
          clusterId: 'nest-libp2p',
          // One directory for the persisted term and vote and, by default, the transport's peer key.
          dataDir,
          libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        }),
      ],
    }).compile();
    await app.init();

    const leader = app.get(LeaderService);
    const election = app.get(LEADER_ELECTION);
    // No voters configured: this node is an observer, which is enough to see the transport work.
    expect(leader.id).toMatch(/^12D3KooW/);
    expect(leader.inspect()).toMatchObject({ status: 'running', role: 'observer', clusterId: 'nest-libp2p' });
    expect(election.inspect().id).toBe(leader.id);
    expect(await readdir(dataDir)).toContain('peer-key');
  });
});
