import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as health from '../src/health/index.js';
import * as nestjs from '../src/index.js';

/** The names in backticks in the README's "Exports" section. */
async function documentedExports(): Promise<Set<string>> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## Exports\n')[1]?.split('\n## ')[0] ?? '';
  return new Set([...section.matchAll(/`([A-Za-z_$][\w$]*)/g)].map((match) => match[1]!));
}

describe('the README', () => {
  it('lists every value @baton/nestjs and @baton/nestjs/health export', async () => {
    const documented = await documentedExports();
    const exported = [...Object.keys(nestjs), ...Object.keys(health)];
    expect(exported.filter((name) => !documented.has(name))).toEqual([]);
  });
});
