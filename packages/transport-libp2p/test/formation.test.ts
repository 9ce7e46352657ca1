import { describe, expect, it } from 'vitest';
import { decideFormation, type FormationView, type PeerFormation, refusalLock } from '../src/formation.js';

/** A view of node `self` with expect 3; peers given as [id, lock] (undefined: HELLO not heard yet). */
function view(
  self: string,
  lock: string[] | null,
  peers: [string, string[] | null | undefined, boolean?][],
  settled = false,
): FormationView {
  return {
    self,
    expect: 3,
    lock,
    settled,
    peers: new Map<string, PeerFormation | undefined>(
      peers.map(([id, told, configured]) => [
        id,
        told === undefined ? undefined : { configured: configured ?? false, lock: told },
      ]),
    ),
  };
}

describe('decideFormation (expect 3)', () => {
  it('waits for every HELLO, then locks the set it sees when it has exactly expect members', () => {
    expect(
      decideFormation(
        view('a', null, [
          ['b', null],
          ['c', undefined],
        ]),
      ),
    ).toEqual({ step: 'wait' });
    expect(
      decideFormation(
        view('a', null, [
          ['b', null],
          ['c', null],
        ]),
      ),
    ).toEqual({
      step: 'lock',
      set: ['a', 'b', 'c'],
    });
  });

  it('forms its locked set only once every other member said it locked that set', () => {
    const abc = ['a', 'b', 'c'];
    expect(
      decideFormation(
        view('a', abc, [
          ['b', abc],
          ['c', null],
        ]),
      ),
    ).toEqual({ step: 'wait' });
    expect(
      decideFormation(
        view('a', abc, [
          ['b', abc],
          ['c', abc],
        ]),
      ),
    ).toEqual({ step: 'form', set: abc });
  });

  it('takes a set a peer locked that names it, when it sees more than expect members; never a contradicted one', () => {
    const abd = ['a', 'b', 'd'];
    const peers: [string, string[] | null][] = [
      ['b', abd],
      ['c', null],
      ['d', null],
    ];
    expect(decideFormation(view('a', null, peers))).toEqual({ step: 'lock', set: abd });
    // d locked bcd: abd can never form, nor bcd (b locked abd). Nothing to lock or join: once settled, a
    // refuses.
    peers[2] = ['d', ['b', 'c', 'd']];
    expect(decideFormation(view('a', null, peers))).toEqual({ step: 'wait' });
    expect(decideFormation(view('a', null, peers, true))).toEqual({
      step: 'refuse',
      found: ['a', 'b', 'c', 'd'],
    });
  });

  it('waits, even settled, while a set that it is not in may still form (it joins it then)', () => {
    const peers: [string, string[] | null][] = [
      ['b', ['b', 'c', 'd']],
      ['c', null],
      ['d', null],
    ];
    expect(decideFormation(view('a', null, peers, true))).toEqual({ step: 'wait' });
  });

  it('fails when a member of its locked set locked another set', () => {
    expect(
      decideFormation(
        view(
          'a',
          ['a', 'b', 'c'],
          [
            ['b', ['b', 'c', 'd']],
            ['c', null],
          ],
        ),
      ),
    ).toEqual({
      step: 'conflict',
      lock: ['a', 'b', 'c'],
      peer: 'b',
      other: ['b', 'c', 'd'],
    });
  });

  it('joins a cluster it sees, unless the configured peer locked its own set (then the set is forming)', () => {
    const abc = ['a', 'b', 'c'];
    expect(decideFormation(view('a', null, [['b', null, true]]))).toEqual({ step: 'join', peer: 'b' });
    expect(
      decideFormation(
        view('a', abc, [
          ['b', abc, true],
          ['c', null],
        ]),
      ),
    ).toEqual({ step: 'wait' });
    expect(decideFormation(view('a', abc, [['b', ['b', 'x', 'y'], true]]))).toEqual({
      step: 'join',
      peer: 'b',
    });
  });

  it('a refusal locks more than expect members, this node among them', () => {
    expect(refusalLock('e', ['a', 'b', 'c', 'd', 'e'], 3)).toEqual(['a', 'b', 'c', 'e']);
  });
});
