// ESLint (flat config): typescript-eslint's recommended rules on src/, tests/, bench/ and
// scripts/ TypeScript; unused code is an error. `npm run lint` runs it with Prettier's check
// and the import-cycle check (scripts/check-cycles.js).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.venv/**', 'out/**', 'reports/**', 'datasets/cache/**', 'docs/**', 'examples/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // require() is used on purpose: commands and optional peers load lazily (no TensorFlow for --help).
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Profiling scripts and tests poke at untyped internals; the library itself may not.
    files: ['bench/profile/**/*.ts', 'tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
