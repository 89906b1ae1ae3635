import { defineConfig } from 'vitest/config';

/**
 * Files that load the machine on their own (three Chromiums in a video call take both cores;
 * the team relay's two Chromiums with two agents, and its relay processes, made replay, layout
 * and ssh checks beside them miss their timing): they run after everything else, one at a time, so no timing-sensitive
 * test runs beside them.
 */
const ALONE = [
  'test/e2e/call.test.ts',
  'test/e2e/call-turn.test.ts',
  'test/e2e/relay-turn.test.ts',
  'test/e2e/team.test.ts',
  'test/integration/team-relay.test.ts',
  'test/integration/relay-replicas.test.ts',
  // Two Chromiums, a call with fake media and a serial pair, as the store's images need.
  'test/e2e/store-assets.test.ts',
];

const shared = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks',
  // expect.poll waits for other processes (an agent, a relay, a service worker woken by a
  // message); its default of 1 s is short on two busy cores. A poll that passes still returns
  // at once.
  expect: { poll: { timeout: 10_000 } },
} as const;

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          ...shared,
          name: 'suite',
          include: [
            'extension/**/*.test.ts',
            'protocol/**/*.test.ts',
            'native-host/**/*.test.ts',
            'relay/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', ...ALONE],
          // Real sshd on :2222, socat pairs and a live agent per file: two files at a time fit 2 cores.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'alone',
          include: ALONE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
