#!/usr/bin/env node
// Runs the pnpm version pinned in package.json's `packageManager` through npx,
// so a machine with only Node and npm can run every project command.
// corepack is not used: it fails on registries that publish no signing keys.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('../package.json', import.meta.url);
const { packageManager } = JSON.parse(readFileSync(root, 'utf8'));
const match = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager ?? '');
if (!match) {
  console.error(`package.json: packageManager must pin pnpm (got ${JSON.stringify(packageManager)})`);
  process.exit(2);
}
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const result = spawnSync(npx, ['--yes', `pnpm@${match[1]}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, npm_config_update_notifier: 'false' },
});
process.exit(result.status ?? 1);
