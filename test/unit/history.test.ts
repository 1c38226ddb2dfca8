import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commit, redo, startHistory, undo } from '../../app/document/history';
import { emptyDocument, type CanvasDocument } from '../../app/document/document';
import { everyKind } from '../helpers/documents';

describe('undo history', () => {
  test('undoing every kind of edit restores the document exactly, and redo replays it', () => {
    const states: CanvasDocument[] = [emptyDocument()];
    let history = startHistory(states[0]!);
    // Add a layer of each kind, hide one, remove one, resize the canvas: each is one step.
    for (const layer of everyKind) states.push({ ...states.at(-1)!, layers: [...states.at(-1)!.layers, layer] });
    states.push({ ...states.at(-1)!, layers: states.at(-1)!.layers.map((l, i) => (i === 2 ? { ...l, visible: false } : l)) });
    states.push({ ...states.at(-1)!, layers: states.at(-1)!.layers.slice(1) });
    states.push({ ...states.at(-1)!, canvas: { width: 1024, height: 768 } });
    for (const state of states.slice(1)) history = commit(history, state);
    for (let i = states.length - 1; i > 0; i--) {
      assert.deepEqual(history.present, states[i]);
      history = undo(history);
    }
    assert.deepEqual(history.present, states[0]);
    assert.equal(undo(history), history, 'nothing left to undo');
    for (let i = 1; i < states.length; i++) {
      history = redo(history);
      assert.deepEqual(history.present, states[i]);
    }
    assert.equal(redo(history), history, 'nothing left to redo');
  });

  test('a new edit drops what was undone; at least 200 steps are kept; no-op edits are no steps', () => {
    let history = startHistory(0);
    for (let i = 1; i <= 300; i++) history = commit(history, i);
    for (let i = 0; i < 250; i++) history = undo(history);
    assert.equal(history.present, 50);
    history = commit(history, 999);
    assert.deepEqual([history.future.length, history.past.at(-1)], [0, 50]);
    assert.equal(commit(history, 999), history);
    let long = startHistory(0);
    for (let i = 1; i <= 1000; i++) long = commit(long, i);
    assert.ok(long.past.length >= 200);
  });
});
