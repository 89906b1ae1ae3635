import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'extension/**/*.test.ts',
      'protocol/**/*.test.ts',
      'native-host/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Real sshd on :2222, socat pairs and a live agent per file: two files at a time fit 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
