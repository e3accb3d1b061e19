// Lint guards the shape the compiler cannot: no floating promises, no misused promises,
// no `any` leaking through. Import cycles and layer direction are dependency-cruiser's job.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bin/**', 'models/**', '.switchyard/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test tracks its own test promises.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // Route handlers are async by contract even when they do not await.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The test reporter is plain JavaScript (node loads it before tsx applies).
    files: ['eslint.config.js', '.dependency-cruiser.cjs', 'test/reporter/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
