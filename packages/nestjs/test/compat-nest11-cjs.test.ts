import { execFile } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const coreDir = fileURLToPath(new URL('../../core', import.meta.url));
const fixtureDir = fileURLToPath(new URL('../../../apps/compat-nest11-cjs', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

/*
 * Everything this test writes goes to <fixture>/tmp/compat (git-ignored), never to a dist/ that a
 * concurrent build could be writing or reading:
 *   tmp/compat/main.js                      the fixture, compiled
 *   tmp/compat/node_modules/@baton/nestjs   this package, compiled from src, with its package.json
 *   tmp/compat/node_modules/@baton/core     @baton/core's built dist, with its package.json
 * That is what a registry install looks like: real copies without the workspace's node_modules. Through
 * the pnpm workspace link, @baton/nestjs would resolve @nestjs/common from packages/nestjs/node_modules
 * (Nest 12, a dev dependency) instead of the app's Nest 11, and the app would run two copies of Nest.
 */
const runDir = `${fixtureDir}/tmp/compat`;

async function installBuiltPackages(): Promise<void> {
  await rm(runDir, { recursive: true, force: true });
  const nestjs = `${runDir}/node_modules/@baton/nestjs`;
  const core = `${runDir}/node_modules/@baton/core`;
  await mkdir(nestjs, { recursive: true });
  await mkdir(core, { recursive: true });
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', `${nestjs}/dist`], {
    cwd: packageDir,
  });
  await cp(`${packageDir}/package.json`, `${nestjs}/package.json`);
  await cp(`${coreDir}/package.json`, `${core}/package.json`);
  await cp(`${coreDir}/dist`, `${core}/dist`, { recursive: true });
}

describe("a CommonJS NestJS 11 application with the tsconfig of Nest's CLI (module: commonjs)", () => {
  beforeAll(async () => {
    await installBuiltPackages();
    // As `nest build` does (its default compiler is tsc): the fixture's tsconfig.build.json, made by Nest's CLI.
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', runDir], { cwd: fixtureDir });
  }, 180_000);

  it('require()s the built @baton/nestjs, elects a leader, hands over and exits cleanly', async () => {
    // Resolves only when the process exits by itself: open handles left by the module would hang it.
    const { stdout } = await run(process.execPath, ['main.js'], { cwd: runDir, timeout: 60_000 });

    const line = stdout.split('\n').find((candidate) => candidate.startsWith('COMPAT_RESULT '));
    expect(line, stdout).toBeDefined();
    const result = JSON.parse(line!.slice('COMPAT_RESULT '.length));
    expect(result).toMatchObject({
      ok: true,
      nestVersion: expect.stringMatching(/^11\./),
      batonNestjs: expect.stringContaining(`${runDir}/node_modules/@baton/nestjs/`),
      fencingTokens: [expect.any(Number)],
    });
    expect(result.nestCommonCopies).toHaveLength(1);
    expect(result.leaderOnlyResults.filter((value: unknown) => value === 'ran')).toHaveLength(1);
    // @nestjs/schedule 6 and @nestjs/terminus 11, the Nest 11 lines: the @LeaderOnly() @Interval() job ran
    // on the leader only, with its fencing token, and the health indicator reports the leader.
    expect(result.scheduleVersion).toMatch(/^6\./);
    expect(result.terminusVersion).toMatch(/^11\./);
    expect(result.ticks.filter((count: number) => count > 0)).toHaveLength(1);
    expect(result.tickTokens).toEqual(result.fencingTokens);
    expect(result.health).toMatchObject({ status: 'up', leader: result.leader });
    expect(result.successor).not.toBe(result.leader);
    // The optional libp2p transport is not installed in the fixture: `libp2p` options name the problem.
    expect(result.libp2pMissing).toBe('InvalidOptionError: libp2p');
    // nestjs-pino 4, set up as its README says: Baton's line is one JSON object, its fields top-level keys.
    expect(result.pinoLine).toMatchObject({
      level: 30,
      context: 'LeaderElection',
      msg: 'became leader',
      id: 'pino-a',
      term: expect.any(Number),
    });
  }, 60_000);
});
