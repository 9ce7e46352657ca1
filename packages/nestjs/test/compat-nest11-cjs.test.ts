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

/**
 * Installs the built packages the way a registry install would: real copies (package.json + dist) in a
 * node_modules beside the app's compiled code, without the workspace's own node_modules. Through the pnpm
 * workspace link, `@baton/nestjs` would resolve `@nestjs/common` from packages/nestjs/node_modules (Nest 12,
 * a dev dependency) instead of the app's Nest 11, and the app would run two copies of Nest.
 */
async function installBuiltPackages(): Promise<void> {
  const target = `${fixtureDir}/dist/node_modules/@baton`;
  await rm(target, { recursive: true, force: true });
  for (const [name, dir] of [
    ['core', coreDir],
    ['nestjs', packageDir],
  ] as const) {
    await mkdir(`${target}/${name}`, { recursive: true });
    await cp(`${dir}/package.json`, `${target}/${name}/package.json`);
    await cp(`${dir}/dist`, `${target}/${name}/dist`, { recursive: true });
  }
}

describe('a CommonJS NestJS 11 application', () => {
  beforeAll(async () => {
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: packageDir });
    await installBuiltPackages();
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: fixtureDir });
  }, 180_000);

  it('require()s the built @baton/nestjs, elects a leader, hands over and exits cleanly', async () => {
    // Resolves only when the process exits by itself: open handles left by the module would hang it.
    const { stdout } = await run(process.execPath, ['dist/main.js'], { cwd: fixtureDir, timeout: 60_000 });

    const line = stdout.split('\n').find((candidate) => candidate.startsWith('COMPAT_RESULT '));
    expect(line, stdout).toBeDefined();
    const result = JSON.parse(line!.slice('COMPAT_RESULT '.length));
    expect(result).toMatchObject({
      ok: true,
      nestVersion: expect.stringMatching(/^11\./),
      batonNestjs: expect.stringContaining(`${fixtureDir}/dist/node_modules/@baton/nestjs/`),
      fencingTokens: [expect.any(Number)],
    });
    expect(result.nestCommonCopies).toHaveLength(1);
    expect(result.leaderOnlyResults.filter((value: unknown) => value === 'ran')).toHaveLength(1);
    expect(result.successor).not.toBe(result.leader);
    // The optional libp2p transport is not installed in the fixture: `libp2p` options name the problem.
    expect(result.libp2pMissing).toBe('InvalidOptionError: libp2p');
  }, 60_000);
});
