import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { repoRoot } from '../helpers/paths';

const eslint = new ESLint({ cwd: repoRoot });

async function restrictedImports(filePath: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}/${filePath}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-properties').length;
}

describe('import boundaries (eslint)', () => {
  const cases: [string, string, boolean][] = [
    ['app/contract/x.ts', "import { readFile } from 'node:fs';", false],
    ['app/contract/x.ts', "import { readFile } from 'fs/promises';", false],
    ['app/contract/x.ts', "import { app } from 'electron';", false],
    ['app/contract/x.ts', "import { createRoot } from 'react-dom/client';", false],
    ['app/contract/x.ts', "import { x } from '../../main/core/csp';", false],
    ['app/contract/x.ts', "import { x } from '../../renderer/src/App';", false],
    ['app/contract/x.ts', "import { z } from 'zod'; import { x } from '../domain/providers';", true],
    ['renderer/src/x.ts', "import { spawn } from 'node:child_process';", false],
    ['renderer/src/x.ts', "import { join } from 'path';", false],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';", false],
    ['renderer/src/x.ts', "import * as ort from 'onnxruntime-node';", false],
    ['renderer/src/x.ts', "import { x } from '../../main/core/studio-backend';", false],
    ['renderer/src/x.ts', "import { studioContract } from '../../app/contract/studio'; import Konva from 'konva';", true],
    ['main/core/x.ts', "import { app } from 'electron';", false],
    ['main/core/x.ts', "import { App } from '../../renderer/src/App';", false],
    ['main/core/x.ts', "import { readFile } from 'node:fs/promises';", true],
    ['main/shell/x.ts', "import { app } from 'electron';", true],
    ['main/shell/x.ts', "import { ipcMain } from 'electron'; ipcMain.handle('x', () => 1);", false],
    ['main/shell/ipc.ts', "export function f(ipcMain: { handle(c: string, h: () => number): void }) { ipcMain.handle('x', () => 1); }", true],
  ];
  for (const [file, code, allowed] of cases) {
    test(`${allowed ? 'allows' : 'forbids'} in ${file}: ${code}`, async () => {
      const problems = await restrictedImports(file, code);
      assert.equal(problems === 0, allowed, `${problems} boundary problem(s)`);
    });
  }
});

describe('type boundaries (tsconfig per folder)', () => {
  /** Type-checks one snippet as if it were a file of `folder`, with that folder's compiler options. */
  function diagnostics(folder: string, code: string): string[] {
    const configPath = `${repoRoot}/${folder}/tsconfig.json`;
    const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const fileName = `${repoRoot}/${folder}/__boundary_probe__.ts`;
    const host = ts.createCompilerHost(parsed.options);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => (name === fileName ? code : readFile(name));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === fileName || fileExists(name);
    const program = ts.createProgram([fileName], parsed.options, host);
    return ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  test('app/ sees no DOM and no Node globals', () => {
    assert.match(diagnostics('app', 'export const a = document.title;').join(), /Cannot find name 'document'/);
    assert.match(diagnostics('app', 'export const b = process.pid;').join(), /Cannot find name 'process'/);
    assert.deepEqual(diagnostics('app', 'export const c: number = [1, 2].at(-1) ?? 0;'), []);
  });

  test('renderer/ sees the DOM but not Node', () => {
    assert.deepEqual(diagnostics('renderer', 'export const a = document.title;'), []);
    assert.match(diagnostics('renderer', 'export const b = process.pid;').join(), /Cannot find name 'process'/);
  });
});
