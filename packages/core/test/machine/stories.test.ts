/**
 * Story tests of the election state machine, in the style of etcd raft's interaction tests: every file in
 * `testdata/*.txt` is a sequence of commands, each followed by `----` and the output it must print (every
 * message, event and persisted state, in the simulator's log form). See `testdata/README.md` for the format and
 * `story/commands.ts` for the commands.
 *
 * To rewrite the expected output from what the machine does now:
 *
 *     UPDATE_STORIES=1 npx vitest run test/machine/stories.test.ts
 *
 * then read the diff (`git diff test/machine/testdata`). As etcd's interaction test says of its own rewrite,
 * only commit the changes "if you understand what caused them and if they are desired": a rewrite accepts
 * whatever the code does, bugs included.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newInterpreter } from './story/commands.js';
import { formatMismatch, runScript } from './story/script.js';

const dir = join(import.meta.dirname, 'testdata');
const update = process.env.UPDATE_STORIES === '1';
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.txt'))
  .sort();

describe('election stories (testdata/*.txt)', () => {
  it('finds the stories', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const name of files) {
    it(name, () => {
      const path = join(dir, name);
      const text = readFileSync(path, 'utf8');
      const result = runScript(`test/machine/testdata/${name}`, text, newInterpreter());
      if (update) {
        if (result.rewritten !== text) writeFileSync(path, result.rewritten);
        return;
      }
      if (result.mismatches.length > 0) {
        const report = result.mismatches.map(formatMismatch).join('\n\n');
        throw new Error(`${report}\n\n(rewrite with UPDATE_STORIES=1, then review the diff)`);
      }
    });
  }
});
