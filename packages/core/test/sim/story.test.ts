import { describe, expect, it } from 'vitest';
import { runStory } from '../../src/testing/index.js';

describe('the narrated story (the README main command)', () => {
  it('tells every chapter and ends without a violation', () => {
    const lines: string[] = [];
    const result = runStory((line) => lines.push(line));
    const text = lines.join('\n');
    expect(result.violations).toBe(0);
    for (const chapter of [
      'Cold start',
      'The leader crashes',
      'isolates the leader',
      'Heal',
      'The leader pauses',
      'Graceful transfer',
    ]) {
      expect(text).toContain(chapter);
    }
    expect(text).toContain('its lease is not valid');
    expect(lines.at(-1)).toMatch(/^No invariant violated/);
  });

  it.each([2, 3, 4, 5, 6, 7, 8])('holds under other seeds too (seed %i)', (seed) => {
    expect(runStory(() => {}, seed).violations).toBe(0);
  });
});
