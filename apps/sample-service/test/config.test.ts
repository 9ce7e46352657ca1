import { defaultMaxEventLoopStall, resolveElectionOptions } from '@baton/core';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/service-config.js';

const VOTER = '12D3KooWFPQKYbqLPDfEgkN23m31AHS57zGrajiLDHn4JVRxfMUP';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('fills in defaults around the one required choice (VOTERS or EXPECT)', () => {
    const config = loadConfig({ NODE_NAME: 'a', VOTERS: VOTER });
    expect(config).toMatchObject({
      nodeName: 'a',
      httpHost: '127.0.0.1',
      httpPort: 3000,
      listen: ['/ip4/0.0.0.0/tcp/4001'],
      bootstrap: [],
      mdns: false,
      voters: [VOTER],
      expect: null,
      clusterId: 'sample-service',
      electionTimeoutMin: 1000,
      electionTimeoutMax: 2000,
      heartbeatInterval: 100,
      jobInterval: 500,
      stopTimeout: null,
      leaseLog: true,
    });
    expect(config.dataDir).toMatch(/\.baton-data\/a$/);
  });

  it('gives the lease and the event-loop stall bound the README and the config comment state', () => {
    const config = loadConfig({ VOTERS: VOTER });
    // The service passes these timings and leaves maxEventLoopStall to the runtime's default.
    const { options } = resolveElectionOptions({
      clusterId: config.clusterId,
      electionTimeoutMin: config.electionTimeoutMin,
      electionTimeoutMax: config.electionTimeoutMax,
      heartbeatInterval: config.heartbeatInterval,
    });
    expect(options.leaseDuration).toBeCloseTo(904.8, 1);
    expect(defaultMaxEventLoopStall(options)).toBeCloseTo(804.8, 1);
  });

  it('reads a bare LISTEN port, a BOOTSTRAP list, MDNS, EXPECT, STOP_TIMEOUT_MS and DEAD_VOTER_TIMEOUT_MS', () => {
    const config = loadConfig({
      LISTEN: '4101',
      BOOTSTRAP: `/ip4/127.0.0.1/tcp/4102/p2p/${VOTER},/dns4/billing-headless/tcp/4001`,
      MDNS: 'on',
      EXPECT: '3',
      STOP_TIMEOUT_MS: '1500',
      DEAD_VOTER_TIMEOUT_MS: '3000',
    });
    expect(config.stopTimeout).toBe(1500);
    expect(config.deadVoterTimeout).toBe(3000);
    expect(loadConfig({ EXPECT: '3' }).deadVoterTimeout).toBeNull();
    expect(problems({ EXPECT: '3', DEAD_VOTER_TIMEOUT_MS: '0' })).toContain(
      'DEAD_VOTER_TIMEOUT_MS: must be an integer between 1 and 86400000 (got "0")',
    );
    expect(config.listen).toEqual(['/ip4/0.0.0.0/tcp/4101']);
    expect(config.bootstrap).toHaveLength(2); // with a peer id, and without (a DNS name)
    expect(config.mdns).toBe(true);
    expect(config.expect).toBe(3);
    expect(config.voters).toBeNull();
  });

  it('names every bad variable at once', () => {
    expect(
      problems({
        NODE_NAME: 'a b',
        HTTP_PORT: '70000',
        MDNS: 'maybe',
        VOTERS: 'not-a-peer-id',
        EXPECT: '3',
        ELECTION_TIMEOUT_MIN_MS: '500',
        ELECTION_TIMEOUT_MAX_MS: '400',
        BOOTSTRAP: 'billing-0:4001',
        LEASE_LOG: 'sometimes',
      }),
    ).toEqual([
      expect.stringMatching(/^NODE_NAME: /),
      expect.stringMatching(/^HTTP_PORT: must be an integer between 0 and 65535 \(got "70000"\)/),
      expect.stringMatching(/^BOOTSTRAP: each entry must be a multiaddr/),
      expect.stringMatching(/^MDNS: must be on\/off/),
      'VOTERS and EXPECT: give one of them, not both',
      expect.stringMatching(/^ELECTION_TIMEOUT_MAX_MS: must be greater than ELECTION_TIMEOUT_MIN_MS/),
      expect.stringMatching(/^LEASE_LOG: must be on\/off/),
    ]);
    expect(problems({})).toEqual([expect.stringMatching(/^VOTERS or EXPECT: required/)]);
    expect(problems({ VOTERS: 'nope' })).toEqual([expect.stringMatching(/^VOTERS: .*not a peer id/)]);
  });
});
