// Flat config: typescript-eslint's recommended rules over the whole project, and the layers'
// direction (ARCHITECTURE.md): server → app → web/module routes → services → repositories → db;
// lib imports none of them; a module's insides are its own, others use its index.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** no-restricted-imports with one message per forbidden direction. */
const forbid = (...patterns) => ['error', { patterns: patterns.map(([regex, message]) => ({ regex, message })) }];

const upward = {
  lib: [
    '^\\.\\./(db|modules|plugins|web)/|^\\.\\./(app|server|jobs|config)\\.js$',
    'src/lib is pure: it imports nothing from db, modules, plugins or web.',
  ],
  db: [
    '(^|/)(modules|plugins|web)/|^\\.\\./(app|server|jobs)\\.js$',
    'src/db stands below the modules: it imports none of them.',
  ],
  moduleUp: [
    '^\\.\\./\\.\\./(plugins|web)/|^\\.\\./\\.\\./(app|server|jobs)\\.js$',
    'A module does not import what stands above it.',
  ],
};
const otherModuleInsides = [
  '^\\.\\./(?!context\\.js$)[^./][^/]*/(?!index\\.js$)',
  "Another module's files are its own: import what it offers from its index.js.",
];
const moduleInsidesFromOutside = [
  'modules/[^/]+/(?!index\\.js$|[^/]+\\.routes\\.js$)[^/]+$',
  "A module's files are its own: import what it offers from its index.js (app.ts registers its routes).",
];

const repositoryFromOutside = ['\\.repository\\.js$', "A module's repository is its own."];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Prettier wraps code at 120 columns; this catches the strings and comments it cannot wrap.
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  { files: ['src/lib/**/*.ts'], rules: { 'no-restricted-imports': forbid(upward.lib) } },
  { files: ['src/db/**/*.ts'], rules: { 'no-restricted-imports': forbid(upward.db) } },
  { files: ['src/modules/*/**/*.ts'], rules: { 'no-restricted-imports': forbid(upward.moduleUp, otherModuleInsides) } },
  {
    files: ['src/*.ts', 'src/plugins/**/*.ts', 'src/web/**/*.ts', 'src/demo/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['scripts/bench/**'],
    rules: { 'no-restricted-imports': forbid(moduleInsidesFromOutside) },
  },
  // A benchmark times a module's parts on their own (one PDF, the ZIP writer), but no repository.
  { files: ['scripts/bench/**/*.ts'], rules: { 'no-restricted-imports': forbid(repositoryFromOutside) } },
);
