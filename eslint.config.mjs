// Lint rules, including the process boundaries of ARCHITECTURE.md:
//   app/      imports nothing of Node, the DOM's libraries, Electron, or the other folders
//   renderer/ imports neither Node nor Electron nor main/
//   main/     never imports renderer/; only main/shell/ touches Electron
// test/unit/boundaries.test.ts proves each rule fires.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeNative = ['onnxruntime-node', 'ws', 'electron', 'electron/*'];

/**
 * A no-restricted-imports rule naming why each group is banned. Node's
 * built-ins are matched as exact names (gitignore-style patterns would also
 * catch our own folders, `app/domain` against the built-in `domain`).
 */
const restrict = ({ node, groups }) => [
  'error',
  {
    paths: node ? builtinModules.map((name) => ({ name, message: node })) : [],
    patterns: [...(node ? [{ group: ['node:*'], message: node }] : []), ...groups.map(([group, message]) => ({ group, message }))],
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'models/**/*.py', 'main/engine/onnx/generated/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['app/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        node: 'app/ is shared by every process: no Node APIs here.',
        groups: [
          [nodeNative, 'app/ is shared by every process: no Electron or native modules here.'],
          [['react', 'react-dom', 'react-dom/*', 'konva', 'react-konva'], 'app/ holds no UI code.'],
          [['**/main/**', '**/renderer/**', '**/test/**'], 'app/ may import only app/.'],
        ],
      }),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': restrict({
        node: 'The renderer runs in a sandboxed page: no Node APIs.',
        groups: [
          [nodeNative, 'The renderer reaches main only through the contract client.'],
          [['**/main/**', '**/test/**'], 'The renderer may import only renderer/ and app/.'],
        ],
      }),
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/shell/**'],
    rules: {
      'no-restricted-imports': restrict({
        groups: [
          [['electron', 'electron/*'], 'Only main/shell/ uses Electron: the rest of main also runs in plain Node (browser mode).'],
          [['**/renderer/**'], 'main/ never imports the renderer.'],
        ],
      }),
    },
  },
  {
    files: ['main/shell/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({ groups: [[['**/renderer/**'], 'main/ never imports the renderer.']] }),
    },
  },
  {
    // The engine is the inference process's: what main keeps (the gallery, projects, assets) reads and writes images through main/images/.
    files: ['main/gallery/**/*.ts', 'main/projects/**/*.ts', 'main/assets/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        groups: [
          [['electron', 'electron/*'], 'Only main/shell/ uses Electron: the rest of main also runs in plain Node (browser mode).'],
          [['**/renderer/**'], 'main/ never imports the renderer.'],
          [['**/engine/**'], 'The gallery, projects and assets use main/images/ and app/, never the engine.'],
        ],
      }),
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/shell/ipc.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['handle', 'handleOnce', 'on', 'once', 'addListener'].map((property) => ({
          object: 'ipcMain',
          property,
          message: 'Only main/shell/ipc.ts listens on IPC, where senders are checked.',
        })),
      ],
    },
  },
);
