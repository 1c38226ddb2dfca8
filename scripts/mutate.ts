/**
 * `npm run mutate [-- FOLDER ...]` (or `-- --report`: the table only): Stryker over each folder of stryker.config.mjs in turn (or the ones
 * named), each with its own incremental record in reports/mutation/, so a run that stops part-way keeps
 * the folders it finished and the next one re-tests only mutants whose code or tests changed. Then
 * writes the score of every folder with a record into README's table and lists the survivors in
 * reports/mutation/survivors.md, each to be killed by a test or marked equivalent where it lives.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { mutationFolders } from '../stryker.config.mjs';

const root = join(__dirname, '..');
const reports = join(root, 'reports', 'mutation');
const recordOf = (folder: string) => join(reports, `${folder.replaceAll('/', '-')}.json`);

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number } };
}

async function main(): Promise<void> {
  // `--report`: only write the table and the survivors from the records there are (after a run was stopped part-way, say).
  const reportOnly = process.argv.includes('--report');
  const asked = process.argv.slice(2).filter((a) => a !== '--report');
  const unknown = asked.filter((f) => !mutationFolders.includes(f));
  if (unknown.length > 0) throw new Error(`Not a mutation folder: ${unknown.join(', ')} (stryker.config.mjs lists ${mutationFolders.join(', ')})`);
  mkdirSync(reports, { recursive: true });
  const reach = reportOnly ? new Map<string, string[]>() : await sourcesReachedByTests();
  for (const folder of reportOnly ? [] : asked.length > 0 ? asked : mutationFolders) {
    const tests = [...reach].filter(([, sources]) => sources.some((s) => s.startsWith(`${folder}/`))).map(([test]) => test);
    console.log(`\n== ${folder}: ${tests.length} test files import it`);
    const env = { ...process.env, WORDBRUSH_MUTATE_TESTS: tests.join(',') };
    const run = spawnSync('npx', ['stryker', 'run', '--mutate', `${folder}/**/*.ts`, '--incrementalFile', recordOf(folder)], { cwd: root, stdio: 'inherit', env });
    if (run.status !== 0) process.exitCode = 1;
  }
  const { table, survivors } = scores();
  const readme = join(root, 'README.md');
  const marked = /(<!-- mutation-scores:start -->)[\s\S]*?(<!-- mutation-scores:end -->)/;
  const text = readFileSync(readme, 'utf8');
  if (!marked.test(text)) throw new Error('README.md has no mutation-scores markers');
  writeFileSync(readme, text.replace(marked, (_, start: string, end: string) => `${start}\n${table}\n${end}`));
  writeFileSync(join(reports, 'survivors.md'), `# Surviving mutants\n\nWritten by \`npm run mutate\`. Each is to be killed by a test or marked equivalent where it lives.\n\n${survivors.join('\n') || 'None.'}\n`);
  console.log(`\n${table}\n\n${survivors.length} survivors: reports/mutation/survivors.md`);
}

/**
 * The project's sources each unit test file imports itself (esbuild's own resolution, so what it
 * reports is what tsx loads): a folder's mutants are run against the tests written for it, which
 * import it. Through everything that imports it in turn (26 files for app/text) a run takes hours
 * on two cores; a mutant only another test would kill counts as surviving, which can only lower a
 * score, never flatter it.
 */
async function sourcesReachedByTests(): Promise<Map<string, string[]>> {
  const tests = readdirSync(join(root, 'test', 'unit')).filter((f) => f.endsWith('.test.ts')).map((f) => `test/unit/${f}`);
  const reach = new Map<string, string[]>();
  for (const test of tests) {
    const { metafile } = await build({ entryPoints: [join(root, test)], bundle: true, write: false, metafile: true, platform: 'node', packages: 'external', logLevel: 'silent', absWorkingDir: root });
    reach.set(test, metafile.inputs[test]?.imports.map((i) => i.path) ?? []);
  }
  return reach;
}

/** Stryker's mutation score per folder (killed or timed out, of those that were tested or left uncovered; marked-equivalent mutants apart), and the survivors. */
function scores(): { table: string; survivors: string[] } {
  const rows: string[] = [];
  const survivors: string[] = [];
  for (const folder of mutationFolders) {
    if (!existsSync(recordOf(folder))) {
      rows.push(`| \`${folder}\` | not run yet | | | | |`);
      continue;
    }
    const report = JSON.parse(readFileSync(recordOf(folder), 'utf8')) as { files: Record<string, { mutants: Mutant[] }> };
    const mutants = Object.entries(report.files).flatMap(([file, { mutants }]) => mutants.map((m) => ({ file, ...m })));
    const detected = mutants.filter((m) => m.status === 'Killed' || m.status === 'Timeout').length;
    const undetected = mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage');
    const equivalent = mutants.filter((m) => m.status === 'Ignored').length;
    const score = detected + undetected.length > 0 ? (100 * detected) / (detected + undetected.length) : 100;
    rows.push(`| \`${folder}\` | ${score.toFixed(1)} % | ${mutants.length} | ${detected} | ${undetected.length} | ${equivalent} |`);
    for (const m of undetected) survivors.push(`- \`${m.file}:${m.location.start.line}\` ${m.mutatorName}${m.replacement ? `: \`${m.replacement.replace(/\s+/g, ' ').slice(0, 80)}\`` : ''} (${m.status})`);
  }
  return { table: ['| folder | score | mutants | killed | survived | marked equivalent |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n'), survivors };
}

void main();
