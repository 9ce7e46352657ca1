import type { ElectionOptions } from '../../../src/index.js';
import { formatLogEntry, type SimLogEntry } from '../../../src/testing/sim-log.js';
import { type Directive, StoryError, type StoryInterpreter } from './script.js';
import { type LogLevel, StoryNet } from './story-net.js';

/**
 * One command of the story language: how to call it, what it does, the arguments it accepts (checked before it
 * runs) and what it runs. Every command also accepts `log=none|events|messages`.
 */
export interface Command {
  /** How to call it, e.g. `deliver [from=<id>] [to=<id>] [drop]`. */
  readonly usage: string;
  /** What it does, in one sentence. */
  readonly summary: string;
  /** How many words may follow the name: [min, max]. @default [0, 0] */
  readonly words?: readonly [number, number];
  /** The `key=value` arguments it accepts. @default [] */
  readonly keys?: readonly string[];
  /** The bare words it takes as flags (e.g. `drop`). @default [] */
  readonly flags?: readonly string[];
  run(story: Interpreter, args: Args): void;
}

/** The arguments of one command, checked against its {@link Command} entry. */
export class Args {
  /** Words that are not flags, in order. */
  readonly words: readonly string[];
  private readonly flagSet: ReadonlySet<string>;

  constructor(
    private readonly directive: Directive,
    flags: readonly string[],
  ) {
    this.words = directive.words.filter((w) => !flags.includes(w));
    this.flagSet = new Set(directive.words.filter((w) => flags.includes(w)));
  }

  flag(name: string): boolean {
    return this.flagSet.has(name);
  }

  key(name: string): string | undefined {
    return this.directive.keys.get(name);
  }

  /** A comma-separated list, e.g. `voters=a,b,c`. */
  list(name: string): string[] | undefined {
    return this.key(name)?.split(',');
  }

  /** A number given as `name=<x>`. */
  number(name: string): number | undefined {
    const text = this.key(name);
    return text === undefined ? undefined : parseNumber(`${name}=`, text);
  }

  /** The number given as the `index`-th word, if any. */
  numberAt(index: number, what: string): number | undefined {
    const text = this.words[index];
    return text === undefined ? undefined : parseNumber(what, text);
  }
}

function parseNumber(what: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new StoryError(`${what} must be a number (got "${text}")`);
  return value;
}

const LOG_LEVELS: readonly LogLevel[] = ['none', 'events', 'messages'];

/**
 * Runs story commands against one {@link StoryNet}: looks the command up in the table, checks its arguments,
 * runs it and returns the lines printed, each in the simulator's log form (virtual time, node, text).
 */
export class Interpreter implements StoryInterpreter {
  private network: StoryNet | null = null;
  private lines: string[] = [];
  private level: LogLevel = 'messages';
  /** The voter list of the first `add-nodes`, the default of later ones. */
  voters: readonly string[] | null = null;

  constructor(private readonly commands: Readonly<Record<string, Command>>) {}

  run(directive: Directive): string[] {
    const command = this.commands[directive.name];
    if (command === undefined) {
      throw new StoryError(
        `unknown command "${directive.name}" (known: ${Object.keys(this.commands).sort().join(', ')})`,
      );
    }
    const args = checkArgs(directive, command);
    this.level = (directive.keys.get('log') as LogLevel | undefined) ?? 'messages';
    command.run(this, args);
    const lines = this.lines;
    this.lines = [];
    return lines;
  }

  /** The network; a story starts with `add-nodes`. */
  get net(): StoryNet {
    if (this.network === null) throw new StoryError('no nodes yet: a story starts with add-nodes');
    return this.network;
  }

  get started(): boolean {
    return this.network !== null;
  }

  /** Creates the network (the first `add-nodes`). */
  start(options: Partial<ElectionOptions>, random: () => number): StoryNet {
    this.network = new StoryNet(options, random, (shownFrom, entry) => this.trace(shownFrom, entry));
    return this.network;
  }

  /** Prints a line of the command's own output (shown at every log level). */
  print(node: string | null, text: string): void {
    this.trace('none', { at: this.network?.now ?? 0, node, kind: 'note', text });
  }

  private trace(shownFrom: LogLevel, entry: SimLogEntry): void {
    if (LOG_LEVELS.indexOf(shownFrom) <= LOG_LEVELS.indexOf(this.level))
      this.lines.push(formatLogEntry(entry));
  }
}

function checkArgs(directive: Directive, command: Command): Args {
  const name = directive.name;
  const flags = command.flags ?? [];
  const args = new Args(directive, flags);
  const [min, max] = command.words ?? [0, 0];
  const known = [...(command.keys ?? []), 'log'];
  for (const key of directive.keys.keys()) {
    if (!known.includes(key)) {
      throw new StoryError(`${name}: unknown argument ${key}= (usage: ${command.usage})`);
    }
  }
  const log = directive.keys.get('log');
  if (log !== undefined && !LOG_LEVELS.includes(log as LogLevel)) {
    throw new StoryError(`${name}: log= must be one of ${LOG_LEVELS.join(', ')} (got "${log}")`);
  }
  if (args.words.length < min || args.words.length > max) {
    throw new StoryError(
      `${name}: takes ${min === max ? min : `${min} to ${max}`} words (usage: ${command.usage})`,
    );
  }
  return args;
}
