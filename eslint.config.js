// `npm run lint` (CI runs it after the type-check). typescript-eslint's type-checked
// recommended set, less the rules this code base deliberately does not follow (each said why
// below), and no import cycle: import-x resolves the `.js` specifiers to the TypeScript sources.
// import-x's no-cycle follows value imports; `import type` is erased at compile time, so it
// cannot make a module load half-initialised and is not counted.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.tap/', '.sandbox/'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'import-x/no-cycle': 'error',
      // tap awaits the subtests it is handed: a top-level `t.test(...)` is not a lost promise.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] },
      ],
      // `_`-prefixed names are how the code base drops a field from a copy or skips an argument.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // An aborted wait rejects with the signal's own reason, whatever the caller aborted with.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // Without noUncheckedIndexedAccess an index read is typed as present; the code base marks
      // the reads it relies on with `!` all the same, which this rule would strip.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // An async function without await keeps the promise-returning shape of its interface.
      '@typescript-eslint/require-await': 'off',
      // Odoo's wire values are untyped: turning one into text with String() is deliberate.
      '@typescript-eslint/no-base-to-string': 'off',
      // A `let` a closure reads before its one assignment (a teardown registered first) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests and benchmarks read JSON answers as they come: `any` there is the parsed body.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
