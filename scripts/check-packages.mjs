#!/usr/bin/env node
// Checks that the published packages install as a user gets them from the registry, on the built packages
// (run it after `pnpm build`; `npm test` does):
//
// 1. every package that is not private has a LICENSE, and `license`, `repository` (with `directory`),
//    `homepage`, `bugs` and `keywords` in its package.json;
// 2. `pnpm pack` (which turns `workspace:^` into versions, as `pnpm publish` does) gives a tarball that
//    publint finds nothing wrong with (suggestions included) and in which @arethetypeswrong/cli resolves
//    every entry point, for `moduleResolution` node10 (what `module: commonjs` implies, Nest CLI's tsconfig),
//    node16 from CJS and from ESM, and bundlers. One rule is ignored, `cjs-resolves-to-esm`: the packages are
//    ES modules, which a CommonJS app `require()`s on Node 20.19+ (the `engines` every package declares);
//    apps/compat-nest11-cjs and its test prove it;
// 3. `changeset version` runs on a copy of the workspace and writes a CHANGELOG.md with the pending
//    changesets for every package they name (a dry run: the repository is not touched).
//
// Exits 1 with every problem found. Usage: node scripts/check-packages.mjs [--keep] (keep the temp dir).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'baton-check-packages-'));
const problems = [];

/** Runs a command; returns its output, or records a problem and returns null. */
function run(what, command, args, cwd) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (result.status === 0) return result.stdout;
  problems.push(`${what}: exit ${result.status}\n${result.stdout}${result.stderr}`.trim());
  return null;
}

/** pnpm: the one running this script (`pnpm run`), or the pinned one through npx. */
function pnpm(args, cwd) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: run by npm test after turbo, not as a turbo task
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) return [process.execPath, [execPath, ...args], cwd];
  return [process.execPath, [join(root, 'scripts', 'pnpm.mjs'), ...args], cwd];
}

function workspacePackages() {
  return readdirSync(join(root, 'packages')).map((name) => {
    const dir = join(root, 'packages', name);
    return { dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
  });
}

function checkMetadata({ dir, pkg }) {
  const where = relative(root, dir);
  if (!existsSync(join(dir, 'LICENSE'))) problems.push(`${where}: no LICENSE file`);
  for (const field of ['license', 'homepage', 'keywords']) {
    if (!pkg[field] || (Array.isArray(pkg[field]) && pkg[field].length === 0)) {
      problems.push(`${where}/package.json: no "${field}"`);
    }
  }
  if (!pkg.repository?.url || pkg.repository.directory !== where) {
    problems.push(`${where}/package.json: "repository" needs "url" and "directory": "${where}"`);
  }
  if (!pkg.bugs?.url) problems.push(`${where}/package.json: no "bugs.url"`);
}

async function lintTarball(name, tarball) {
  const { publint } = await import(require.resolve('publint'));
  const { formatMessage } = await import(require.resolve('publint/utils'));
  const bytes = readFileSync(tarball);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: buffer }, level: 'suggestion', strict: true });
  for (const message of messages) problems.push(`publint ${name}: ${formatMessage(message, pkg)}`);
  const attw = join(root, 'node_modules', '.bin', 'attw');
  run(`attw ${name}`, attw, [tarball, '--format', 'ascii', '--ignore-rules', 'cjs-resolves-to-esm'], root);
}

function changesetVersionDryRun(packages) {
  const copy = join(work, 'workspace');
  mkdirSync(copy);
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(copy, file));
  cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
  const pending = readdirSync(join(copy, '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  );
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const from = join(root, group, name, 'package.json');
      if (!existsSync(from)) continue;
      mkdirSync(join(copy, group, name), { recursive: true });
      cpSync(from, join(copy, group, name, 'package.json'));
    }
  }
  if (existsSync(join(root, 'bench', 'package.json'))) {
    mkdirSync(join(copy, 'bench'));
    cpSync(join(root, 'bench', 'package.json'), join(copy, 'bench', 'package.json'));
  }
  const bin = require.resolve('@changesets/cli/bin.js');
  if (run('changeset version (dry run)', process.execPath, [bin, 'version'], copy) === null) return;
  const left = readdirSync(join(copy, '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  );
  if (left.length > 0) problems.push(`changeset version left changesets unconsumed: ${left.join(', ')}`);
  const named = new Set(
    pending.flatMap((file) => {
      const front = readFileSync(join(root, '.changeset', file), 'utf8').split('---')[1] ?? '';
      return [...front.matchAll(/["']?(@baton\/[\w-]+)["']?\s*:/g)].map((match) => match[1]);
    }),
  );
  for (const { dir, pkg } of packages) {
    if (!named.has(pkg.name)) continue;
    const changelog = join(copy, relative(root, dir), 'CHANGELOG.md');
    const after = JSON.parse(readFileSync(join(copy, relative(root, dir), 'package.json'), 'utf8'));
    if (!existsSync(changelog)) {
      problems.push(`changeset version wrote no CHANGELOG.md for ${pkg.name}`);
    } else if (!readFileSync(changelog, 'utf8').includes(`## ${after.version}`)) {
      problems.push(`${pkg.name}'s CHANGELOG.md has no section for ${after.version}`);
    }
    if (after.version === pkg.version) problems.push(`changeset version did not bump ${pkg.name}`);
  }
  console.log(`changeset version (dry run): ${pending.length} changesets, ${named.size} packages versioned`);
}

try {
  const packages = workspacePackages().filter(({ pkg }) => pkg.private !== true);
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const entry of packages) {
    checkMetadata(entry);
    const [command, args, cwd] = pnpm(['pack', '--pack-destination', tarballs], entry.dir);
    run(`pnpm pack ${entry.pkg.name}`, command, args, cwd);
  }
  for (const file of readdirSync(tarballs)) await lintTarball(file, join(tarballs, file));
  changesetVersionDryRun(packages);
  console.log(`packages checked: ${packages.map(({ pkg }) => pkg.name).join(', ')}`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`${problems.length} problem(s):\n\n${problems.join('\n\n')}`);
  process.exit(1);
}
console.log('publint, attw and changeset version: no problem');
