// Mutation testing, run by `npm run mutate` (scripts/mutate.ts) one folder at a time; not in CI: hours on a
// laptop. Each mutant is compiled into the sources by mutation switching, and only the test files that
// reached it in the dry run are run against it. A mutant shown to be equivalent is marked where it lives
// (`// Stryker disable next-line <mutator>: why`), so the reason stays with the code.

/** The folders whose mutants the tests must kill (issue #20). */
export const mutationFolders = ['main/engine/sampling', 'main/engine/conditioning', 'main/engine/pipeline', 'main/models/hub', 'main/projects', 'app/text', 'app/domain'];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  tap: {
    // scripts/mutate.ts narrows this to the test files that import the folder under test.
    testFiles: process.env.WORDBRUSH_MUTATE_TESTS ? process.env.WORDBRUSH_MUTATE_TESTS.split(',') : ['test/unit/*.test.ts'],
    nodeArgs: ['--import', 'tsx', '--import', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  mutate: mutationFolders.map((folder) => `${folder}/**/*.ts`),
  coverageAnalysis: 'perTest',
  incremental: true,
  ignorePatterns: ['models/starter/training', 'bench/.cache', 'release', 'dist', 'reports'],
  // Tests that fork the inference process or serve the studio run the built bundle; building it in the
  // sandbox compiles the mutants into it, and the forked process reads the active mutant from its env.
  buildCommand: 'node scripts/build.mjs',
  reporters: ['clear-text', 'progress'],
  // One runner by default, leaving a core to training or other work; WORDBRUSH_MUTATE_CONCURRENCY=2 on an idle machine.
  concurrency: Number(process.env.WORDBRUSH_MUTATE_CONCURRENCY ?? 1),
  // Past a test file's own time (x1.5): a mutant that loops is given up on after this long.
  timeoutMS: 10000,
  dryRunTimeoutMinutes: 30,
  tempDirName: '.stryker-tmp',
};
