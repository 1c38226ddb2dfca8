/** `npm run docs:contract`: writes studioContract's calls, with their summaries, into docs/architecture.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callTable, withCallTable } from '../app/contract/contract-table';
import { studioContract } from '../app/contract/studio';

const doc = join(__dirname, '..', 'docs', 'architecture.md');
const updated = withCallTable(readFileSync(doc, 'utf8'), callTable(studioContract.calls));
if (updated === null) throw new Error(`${doc} has no generated call table (its markers are missing)`);
writeFileSync(doc, updated);
console.log(`${doc}: ${Object.keys(studioContract.calls).length} calls`);
