import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { callTable, withCallTable } from '../../app/contract/contract-table';
import { studioContract } from '../../app/contract/studio';
import { repoRoot } from '../helpers/paths';

test("docs/architecture.md's call table is the contract's own (npm run docs:contract writes it)", () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');
  assert.equal(withCallTable(doc, callTable(studioContract.calls)), doc, 'the table drifted from app/contract/studio.ts: run npm run docs:contract');
  assert.equal((doc.match(/^\| `[\w.]+` \|/gm) ?? []).length >= Object.keys(studioContract.calls).length, true);
});
