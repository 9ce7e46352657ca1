#!/usr/bin/env node

// Keeps the TSDoc of a package honest: every export has a TSDoc summary line, `@default` for options, and an
// `@example` that runs.
//
// 1. Every symbol exported by an entry of the package's `exports` (package.json) must have a TSDoc summary
//    and an `@example`. Symbols re-exported from another package are checked in that package.
// 2. Every ```ts block of an `@example` in src/ is written to a file of its own and type-checked with the
//    package's tsconfig, as a user's ESM file would be: it must import what it uses from the public entries
//    ('@baton/core', '@baton/core/testing', '@baton/nestjs', ...). The `@baton/*` entries are mapped to the
//    packages' src/, so no build is needed and the check sees the TSDoc as it is now. The example of an
//    internal module may import it relatively ('./sim-log.js'): that resolves from the TSDoc's file.
//
// Usage (from the repository root, or anywhere; about 10 s per package):
//   node packages/core/scripts/check-examples.mjs                  # packages/core
//   node packages/core/scripts/check-examples.mjs packages/nestjs  # other packages, by directory
//   node packages/core/scripts/check-examples.mjs --run ...        # also run each example with node
//   node packages/core/scripts/check-examples.mjs --run --verbose  # ... and print what each one printed
//   node packages/core/scripts/check-examples.mjs --keep ...       # keep the generated files and print where
//
// --run executes the examples against the built packages (dist/): build them first (pnpm build); a dist/
// that another process is rebuilding at that moment shows up as a failed import. An example that throws,
// rejects, exits non-zero or does not reach its end within 30 s fails; one that keeps running after its end
// (a started election) is stopped a second later and passes. Examples that import vitest (test files) are
// type-checked only. os.tmpdir() points into the generated files, which are removed afterwards.
//
// Exits 1 when an export lacks a summary or an example, or when an example does not type-check (or run).

import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const coreDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(coreDir, '../..');
const ts = createRequire(join(coreDir, 'package.json'))('typescript');

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const runMode = args.includes('--run');
const verbose = args.includes('--verbose');
/** How long an example's top-level code may take; then how long it may keep running once that is done. */
const runTimeoutMs = 30_000;
const keptRunningMs = 1_000;
const runConcurrency = Math.min(4, availableParallelism());
/** Printed by a generated example once its top-level code (top-level awaits included) has finished. */
const EVALUATED = '\u0000check-examples: evaluated';
const packageDirs = args.filter((arg) => !arg.startsWith('--')).map((dir) => resolve(dir));
if (packageDirs.length === 0) packageDirs.push(coreDir);

/** The workspace packages under packages/, as [directory, package.json]. */
function workspacePackages() {
  return readdirSync(join(repoRoot, 'packages')).flatMap((name) => {
    const dir = join(repoRoot, 'packages', name);
    try {
      return [[dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))]];
    } catch {
      return [];
    }
  });
}

/** The import specifier of an entry of `exports`: `@baton/core` for '.', `@baton/core/testing` for './testing'. */
function specifier(pkg, subpath) {
  return subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
}

/** `@baton/*` entry -> its source file, for every workspace package whose exports map onto src/. */
function sourceEntries() {
  const paths = {};
  for (const [dir, pkg] of workspacePackages()) {
    for (const [subpath, entry] of entries(pkg)) paths[specifier(pkg, subpath)] = [join(dir, entry)];
  }
  return paths;
}

/** The package's public entries as [subpath, src file relative to the package]. */
function entries(pkg) {
  const result = [];
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    const types = typeof target === 'string' ? target : target?.types;
    if (typeof types !== 'string' || !types.startsWith('./dist/') || !types.endsWith('.d.ts')) continue;
    result.push([subpath, `src/${types.slice('./dist/'.length, -'.d.ts'.length)}.ts`]);
  }
  return result;
}

function format(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => repoRoot,
    getNewLine: () => '\n',
  });
}

function parseConfig(file) {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    file,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (parsed === undefined || parsed.errors.length > 0) {
    throw new Error(`cannot read ${file}${parsed ? `:\n${format(parsed.errors)}` : ''}`);
  }
  return parsed;
}

/** Exported symbols of the package's entries that have no summary or no @example. */
function audit(packageDir, pkg) {
  const srcDir = join(packageDir, 'src', '/');
  const files = entries(pkg).map(([, file]) => join(packageDir, file));
  const { options } = parseConfig(join(packageDir, 'tsconfig.json'));
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const seen = new Set();
  const problems = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) {
      problems.push(`${relative(repoRoot, file)}: cannot read the entry`);
      continue;
    }
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaration = symbol.declarations?.[0];
      if (!declaration || seen.has(symbol)) continue;
      seen.add(symbol);
      const at = declaration.getSourceFile().fileName;
      if (!resolve(at).startsWith(srcDir)) continue; // another package's export: checked there
      const missing = [];
      if (ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() === '')
        missing.push('summary');
      if (!symbol.getJsDocTags(checker).some((tag) => tag.name === 'example')) missing.push('@example');
      if (missing.length > 0) {
        const line =
          declaration.getSourceFile().getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
        problems.push(
          `${relative(repoRoot, at)}:${line}: ${exported.name} has no ${missing.join(' and no ')}`,
        );
      }
    }
  }
  return problems;
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The ```ts blocks of the @example sections of one file, with the line each block's code starts on. */
function examples(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0]
      .split('\n')
      .map((line) => line.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\*\/$/, ''));
    let inExample = false;
    let block = null;
    lines.forEach((line, index) => {
      if (block !== null) {
        if (/^\s*```\s*$/.test(line)) {
          found.push(block);
          block = null;
        } else block.code.push(line);
        return;
      }
      const tag = /^\s*@(\w+)/.exec(line);
      if (tag) inExample = tag[1] === 'example';
      if (inExample && /^\s*```(ts|typescript)\s*$/.test(line)) {
        block = { file, line: firstLine + index + 1, code: [] };
      }
    });
  }
  return found;
}

/** `@baton/*` entry -> its built file (the `default` condition of `exports`), for running examples. */
function builtEntries() {
  const built = {};
  for (const [dir, pkg] of workspacePackages()) {
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      if (typeof target?.default === 'string') {
        built[specifier(pkg, subpath)] = pathToFileURL(join(dir, target.default)).href;
      }
    }
  }
  return built;
}

/** Writes the package's examples to `outDir`; returns each generated file with the example it came from. */
function writeExamples(packageDir, outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const origin = new Map();
  for (const file of sourceFiles(join(packageDir, 'src'))) {
    for (const example of examples(file)) {
      const name = `${relative(packageDir, file).replace(/[\\/]/g, '__').replace(/\.ts$/, '')}__L${example.line}.ts`;
      // An internal module's example may import that module relatively: point it at the source file.
      const code = example.code
        .join('\n')
        .replace(/(from\s+|import\s*\(\s*)(['"])(\.\.?\/[^'"]+)\2/g, (_, head, quote, path) => {
          return `${head}${quote}${resolve(dirname(file), path)}${quote}`;
        });
      writeFileSync(join(outDir, name), `${code}\nexport {};\n`);
      origin.set(join(outDir, name), example);
    }
  }
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  return origin;
}

/** Type-checks every example of the package; returns the problems, mapped to the TSDoc's lines. */
function typecheckExamples(packageDir, outDir, origin) {
  writeFileSync(
    join(outDir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        extends: join(packageDir, 'tsconfig.json'),
        compilerOptions: { noEmit: true, rootDir: repoRoot, paths: sourceEntries() },
        include: ['*.ts'],
      },
      null,
      2,
    )}\n`,
  );
  const { options, fileNames } = parseConfig(join(outDir, 'tsconfig.json'));
  const program = ts.createProgram(fileNames, options);
  const problems = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const example = diagnostic.file && origin.get(resolve(diagnostic.file.fileName));
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (example) {
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      problems.push(
        `${relative(repoRoot, example.file)}:${example.line + line}: TS${diagnostic.code}: ${message}`,
      );
    } else {
      problems.push(format([diagnostic]).trim());
    }
  }
  return { options, problems };
}

/**
 * Runs every example with node against the built packages (dist/), `runConcurrency` at a time. An example
 * that throws, rejects, exits non-zero or does not reach its end within `runTimeoutMs` fails; one that keeps
 * running after its end (a started election keeps the process alive) is stopped and passes.
 */
async function runExamples(outDir, origin, options) {
  const built = builtEntries();
  const tmp = join(outDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  // A test file's example (it imports vitest) runs under vitest only: it is type-checked, not run.
  const runnable = [...origin].filter(([file]) => !/from\s+['"]vitest['"]/.test(readFileSync(file, 'utf8')));
  const jobs = runnable.map(([file, example]) => {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: {
        ...options,
        module: ts.ModuleKind.ESNext,
        noEmit: false,
        sourceMap: false,
        declaration: false,
      },
      fileName: file,
    });
    const js = outputText
      .replace(/(from\s+|import\s*\(?\s*)(['"])(@baton\/[^'"]+)\2/g, (all, head, quote, name) =>
        built[name] ? `${head}${quote}${built[name]}${quote}` : all,
      )
      // A relative import of an internal module was pointed at packages/<name>/src/: run its dist/ build.
      .replace(/(from\s+|import\s*\(?\s*)(['"])(\/[^'"]+)\2/g, (all, head, quote, path) => {
        const inSrc = /^(.*\/packages\/[^/]+)\/src\/(.*)$/.exec(path);
        return inSrc ? `${head}${quote}${pathToFileURL(`${inSrc[1]}/dist/${inSrc[2]}`).href}${quote}` : all;
      });
    const jsFile = file.replace(/\.ts$/, '.mjs');
    writeFileSync(jsFile, `${js}\nconsole.log(${JSON.stringify(EVALUATED)});\n`);
    return { jsFile, example };
  });
  const problems = [];
  const outputs = [];
  const run = ({ jsFile, example }) =>
    new Promise((done) => {
      // TMPDIR: what an example makes with os.tmpdir() goes away with the generated files.
      const child = spawn(process.execPath, [jsFile], {
        cwd: outDir,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let evaluated = false;
      let keptRunning = false;
      let timer = setTimeout(() => child.kill('SIGKILL'), runTimeoutMs);
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (evaluated || !out.includes(EVALUATED)) return;
        // Its code ran to the end; what still runs (a started election, a timer) is stopped shortly.
        evaluated = true;
        clearTimeout(timer);
        timer = setTimeout(() => {
          keptRunning = true;
          child.kill('SIGKILL');
        }, keptRunningMs);
      });
      child.stderr.on('data', (chunk) => (out += chunk));
      child.on('exit', (code) => {
        clearTimeout(timer);
        const where = `${relative(repoRoot, example.file)}:${example.line}`;
        const output = indent(out.replace(`${EVALUATED}\n`, ''));
        if (!evaluated) {
          const why = code === null ? `did not finish within ${runTimeoutMs} ms` : `exited with ${code}`;
          problems.push(`${where}: ${why}\n${output}`);
        } else if (!keptRunning && code !== 0) {
          problems.push(`${where}: exited with ${code}\n${output}`);
        }
        outputs.push(`${where}${keptRunning ? ' (kept running; stopped)' : ''}\n${output}`);
        done();
      });
    });
  const queue = [...jobs];
  await Promise.all(
    Array.from({ length: runConcurrency }, async () => {
      while (queue.length > 0) await run(queue.shift());
    }),
  );
  return { count: jobs.length, problems, outputs: outputs.sort() };
}

function indent(text) {
  const trimmed = text.trimEnd();
  return trimmed === '' ? '' : `${trimmed.replace(/^/gm, '    | ')}\n`;
}

let failed = false;
for (const packageDir of packageDirs) {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const outDir = join(packageDir, 'node_modules', '.cache', 'check-examples');
  const undocumented = audit(packageDir, pkg);
  const origin = writeExamples(packageDir, outDir);
  const { options, problems } = typecheckExamples(packageDir, outDir, origin);
  for (const problem of [...undocumented, ...problems]) console.error(problem);
  console.log(
    `${pkg.name}: ${undocumented.length} export(s) without a summary or an @example; ` +
      `${origin.size} example(s), ${problems.length} type error(s)`,
  );
  if (undocumented.length > 0 || problems.length > 0) failed = true;
  if (runMode) {
    const ran = await runExamples(outDir, origin, options);
    if (verbose) for (const output of ran.outputs) console.log(output.trimEnd());
    for (const problem of ran.problems) console.error(problem.trimEnd());
    console.log(`${pkg.name}: ran ${ran.count} example(s) against dist/, ${ran.problems.length} failed`);
    if (ran.problems.length > 0) failed = true;
  }
  if (!keep) rmSync(outDir, { recursive: true, force: true });
  else console.log(`${pkg.name}: examples kept in ${relative(process.cwd(), outDir)}`);
}
process.exitCode = failed ? 1 : 0;
