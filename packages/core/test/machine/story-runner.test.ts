import { describe, expect, it } from 'vitest';
import { newInterpreter } from './story/commands.js';
import { formatMismatch, parseScript, runScript, StoryError } from './story/script.js';

const run = (text: string) => runScript('inline.txt', text, newInterpreter());

const CAMPAIGN = `# a story
add-nodes a b
----
     0.000 ms  a     persisted term 0, vote none, config v1@t0 [a b]
     0.000 ms  b     persisted term 0, vote none, config v1@t0 [a b]

campaign a
----
   150.000 ms  a     follower -> pre-candidate (term 0)
   150.000 ms  a     -> pre-vote a->b t1

state b
----
   150.000 ms  b     follower term=0 vote=none leader=none timer=150
`;

/** Runs `text` and returns the StoryError it throws. */
function storyError(text: string): StoryError {
  try {
    run(text);
  } catch (error) {
    if (error instanceof StoryError) return error;
    throw error;
  }
  throw new Error('the story ran without an error');
}

describe('the story runner', () => {
  it('passes a story whose expectations match, and rewrites it unchanged', () => {
    const result = run(CAMPAIGN);
    expect(result.mismatches).toEqual([]);
    expect(result.rewritten).toBe(CAMPAIGN);
  });

  it('reports a wrong expectation with the file and line of its command, and rewrites only that output', () => {
    const wrong = CAMPAIGN.replace('-> pre-vote a->b t1', '-> pre-vote a->b t2');
    const result = run(wrong);
    expect(result.mismatches).toHaveLength(1);
    const [mismatch] = result.mismatches;
    expect(mismatch).toMatchObject({ file: 'inline.txt', line: 7, command: 'campaign a' });
    expect(formatMismatch(mismatch as (typeof result.mismatches)[number])).toContain(
      'inline.txt:7: output of "campaign a" differs',
    );
    expect(result.rewritten).toBe(CAMPAIGN);
  });

  it('reports an expectation that is missing a line, or has one too many', () => {
    const missing = CAMPAIGN.replace('   150.000 ms  a     -> pre-vote a->b t1\n', '');
    expect(run(missing).mismatches.map((m) => m.line)).toEqual([7]);
    const extra = CAMPAIGN.replace('timer=150\n', 'timer=150\nleader\n');
    expect(run(extra).mismatches.map((m) => m.line)).toEqual([12]);
  });

  it('fills in an empty expectation (a new command) when rewriting', () => {
    const result = run('add-nodes a\n----\n\nstate\n----\n');
    expect(result.mismatches.map((m) => m.line)).toEqual([1, 4]);
    expect(result.rewritten).toBe(
      'add-nodes a\n----\n     0.000 ms  a     persisted term 0, vote none, config v1@t0 [a]\n\n' +
        'state\n----\n     0.000 ms  a     follower term=0 vote=none leader=none timer=0\n',
    );
  });

  it('prints ok for a command with no output', () => {
    expect(run('add-nodes a b\n----\nx\n\ntick a 0\n----\nok\n').mismatches.map((m) => m.line)).toEqual([1]);
  });

  it('names the file and line of an unknown command, and lists the known ones', () => {
    const error = storyError('add-nodes a b\n----\nok\n\n# next\nelect a\n----\n');
    expect(error.message).toMatch(/^inline\.txt:6: unknown command "elect" \(known: .*campaign.*\)/);
  });

  it('names the file and line of a bad argument or an unknown node', () => {
    expect(storyError('add-nodes a b\n----\n\ndeliver too=b\n----\n').message).toMatch(
      /^inline\.txt:4: deliver: unknown argument too= \(usage: deliver /,
    );
    expect(storyError('add-nodes a b\n----\n\ncampaign z\n----\n').message).toBe(
      'inline.txt:4: no node z (nodes: a, b)',
    );
    expect(storyError('state\n----\n').message).toBe(
      'inline.txt:1: no nodes yet: a story starts with add-nodes',
    );
  });

  it('names the file and line of a syntax error', () => {
    expect(() => parseScript('inline.txt', '# ok\n\ncampaign a\nstate\n----\n')).toThrow(
      'inline.txt:3: expected ---- on the line after the command "campaign a"',
    );
    expect(() => parseScript('inline.txt', 'heal\n----\n\n----\n')).toThrow(
      'inline.txt:4: ---- without a command before it',
    );
    expect(() => parseScript('inline.txt', 'tick a ms=\n----\n')).toThrow(
      'inline.txt:1: "ms=" is not key=value',
    );
  });
});
