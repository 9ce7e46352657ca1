import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '@baton/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaderModule, type LeaderModuleOptions, LeaderService } from '../src/index.js';
import { LEADER_ELECTION } from '../src/leader.constants.js';
import { TEST_TIMING, until } from './support/cluster.js';

let app: TestingModule | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function boot(options: Partial<LeaderModuleOptions>): Promise<TestingModule> {
  const module = await Test.createTestingModule({
    imports: [
      LeaderModule.forRoot({
        clusterId: 'nest-libp2p',
        // One directory for the persisted term, vote and configuration and, by default, the transport's peer key.
        dataDir,
        libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        ...TEST_TIMING,
        ...options,
      }),
    ],
  }).compile();
  await module.init();
  return module;
}

describe('libp2p options', () => {
  it('with no voters and nobody to find, forms a cluster of one; restarted, it is a member and leads again', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'baton-nestjs-libp2p-'));
    app = await boot({});

    const leader = app.get(LeaderService);
    const election = app.get(LEADER_ELECTION);
    expect(leader.id).toMatch(/^12D3KooW/);
    expect(election.inspect().id).toBe(leader.id);
    await until(leader.isLeader$, Boolean, 'the node that formed the cluster alone to lead');
    expect(leader.voters()).toEqual([leader.id]);
    expect(leader.configuration()).toMatchObject({ voters: [leader.id] });
    expect(leader.configuration().version).toBeGreaterThan(0);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['peer-key', 'voters-nest-libp2p.json']));
    const { version } = leader.configuration();
    await app.close();

    app = await boot({ expect: 3 }); // a member already: its configuration rules, expect is not used
    const again = app.get(LeaderService);
    await until(again.isLeader$, Boolean, 'the restarted member to lead again');
    expect(again.id).toBe(leader.id);
    expect(again.configuration()).toMatchObject({ voters: [leader.id], version });
  });

  it('rejects a transport option it does not know, with the name it may have meant', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'baton-nestjs-libp2p-'));
    const failure = await boot({
      libp2p: { listen: ['/ip4/127.0.0.1/tcp/0'], bootstrapp: [] } as LeaderModuleOptions['libp2p'],
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InvalidOptionError);
    expect(failure).toMatchObject({ option: 'bootstrapp' });
    expect((failure as Error).message).toMatch(/did you mean bootstrap\?/);
  });
});
