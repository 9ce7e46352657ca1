/**
 * The story file format (after cockroachdb/datadriven, as etcd raft's interaction tests use it), and the runner
 * that checks a story or rewrites its expected output.
 *
 *     # A comment: lines starting with '#', and blank lines, separate commands.
 *     command positional key=value flag
 *     ----
 *     the output the command is expected to print, up to the next blank line
 *
 * A command with no output prints `ok`, so that an expectation is never empty by accident.
 */

/** A mistake in a story (syntax, unknown command or node, bad argument): the story is wrong, not the machine. */
export class StoryError extends Error {
  override readonly name = 'StoryError';
}

/** One command line of a story, split into words. */
export interface Directive {
  /** The command's name: the first word. */
  readonly name: string;
  /** Words without '=' after the name, in order. */
  readonly words: readonly string[];
  /** `key=value` words. */
  readonly keys: ReadonlyMap<string, string>;
  /** The line as written (without surrounding spaces). */
  readonly text: string;
}

/** A command of a story file with the output expected of it. */
export interface StoryCase {
  /** 1-based line of the command in the file. */
  readonly line: number;
  readonly directive: Directive;
  readonly expected: readonly string[];
  /** Where the expected output sits in the file's lines: indices [from, to). */
  readonly expectedFrom: number;
  readonly expectedTo: number;
}

/** Runs one command and returns the lines it printed; throws {@link StoryError} on a mistake in the story. */
export interface StoryInterpreter {
  run(directive: Directive): readonly string[];
}

/** A command whose output differs from its expectation. */
export interface StoryMismatch {
  readonly file: string;
  readonly line: number;
  readonly command: string;
  readonly expected: readonly string[];
  readonly actual: readonly string[];
}

/** What {@link runScript} found. */
export interface ScriptResult {
  readonly mismatches: readonly StoryMismatch[];
  /** The file with every expectation replaced by the actual output (what `UPDATE_STORIES=1` writes). */
  readonly rewritten: string;
}

const SEPARATOR = '----';

/** Splits a command line into its name, words and `key=value` arguments. */
export function parseDirective(text: string, where: string): Directive {
  const [name, ...rest] = text.trim().split(/\s+/);
  if (name === undefined || name === '') throw new StoryError(`${where}: empty command`);
  const words: string[] = [];
  const keys = new Map<string, string>();
  for (const word of rest) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      words.push(word);
      continue;
    }
    const key = word.slice(0, eq);
    if (key === '' || eq === word.length - 1) throw new StoryError(`${where}: "${word}" is not key=value`);
    if (keys.has(key)) throw new StoryError(`${where}: ${key}= given twice`);
    keys.set(key, word.slice(eq + 1));
  }
  return { name, words, keys, text: text.trim() };
}

/** Parses a story file into its commands and their expected outputs. */
export function parseScript(file: string, text: string): StoryCase[] {
  const lines = text.split('\n');
  const cases: StoryCase[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const where = `${file}:${i + 1}`;
    if (line.trim() === SEPARATOR) throw new StoryError(`${where}: ${SEPARATOR} without a command before it`);
    if (lines[i + 1]?.trim() !== SEPARATOR) {
      throw new StoryError(`${where}: expected ${SEPARATOR} on the line after the command "${line.trim()}"`);
    }
    const directive = parseDirective(line, where);
    const expectedFrom = i + 2;
    let end = expectedFrom;
    while (end < lines.length && (lines[end] as string).trim() !== '') end++;
    cases.push({
      line: i + 1,
      directive,
      expected: lines.slice(expectedFrom, end).map((l) => l.trimEnd()),
      expectedFrom,
      expectedTo: end,
    });
    i = end;
  }
  return cases;
}

/**
 * Runs every command of a story against a fresh interpreter and compares each output with its expectation.
 * A mistake in the story throws a {@link StoryError} naming the file and line; so does an unexpected throw.
 */
export function runScript(file: string, text: string, interpreter: StoryInterpreter): ScriptResult {
  const cases = parseScript(file, text);
  const mismatches: StoryMismatch[] = [];
  const lines = text.split('\n');
  const rewritten: string[] = [];
  let copied = 0;
  for (const c of cases) {
    const actual = execute(file, c, interpreter);
    if (actual.join('\n') !== c.expected.join('\n')) {
      mismatches.push({ file, line: c.line, command: c.directive.text, expected: c.expected, actual });
    }
    rewritten.push(...lines.slice(copied, c.expectedFrom), ...actual);
    copied = c.expectedTo;
  }
  rewritten.push(...lines.slice(copied));
  return { mismatches, rewritten: rewritten.join('\n') };
}

function execute(file: string, c: StoryCase, interpreter: StoryInterpreter): string[] {
  const where = `${file}:${c.line}`;
  let output: readonly string[];
  try {
    output = interpreter.run(c.directive);
  } catch (error) {
    if (error instanceof StoryError) throw new StoryError(`${where}: ${error.message}`, { cause: error });
    throw new Error(`${where}: "${c.directive.text}" threw ${String(error)}`, { cause: error });
  }
  const lines = output.map((l) => l.trimEnd());
  for (const l of lines) {
    // A blank line or a separator would end the expectation early when the file is read back.
    if (l === '' || l.trim() === SEPARATOR) {
      throw new Error(`${where}: "${c.directive.text}" printed a line the format cannot hold: "${l}"`);
    }
  }
  return lines.length === 0 ? ['ok'] : lines;
}

/** A mismatch as a report: the file and line of the command, then the expected and the actual output. */
export function formatMismatch(m: StoryMismatch): string {
  return [
    `${m.file}:${m.line}: output of "${m.command}" differs`,
    '  expected:',
    ...m.expected.map((l) => `    ${l}`),
    '  actual:',
    ...m.actual.map((l) => `    ${l}`),
  ].join('\n');
}
