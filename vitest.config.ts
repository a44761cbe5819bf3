import {configDefaults, defineConfig} from 'vitest/config';

/** Unit suites and the TUI's: no brokers of their own, no child processes that outlive a file. */
const UNIT = ['src/**/*.test.{ts,tsx}', 'test/tui/**/*.test.{ts,tsx}'];

export default defineConfig({
	test: {
		// Integration and end-to-end suites start brokers, databases and terminals.
		testTimeout: 60_000,
		hookTimeout: 120_000,
		// Two cores: keep the heavy suites from starving each other.
		maxWorkers: 2,
		projects: [
			{
				extends: true,
				// One module graph per worker, not per file: importing Ink, React, pg and zod again
				// for each of ~115 files was ~16 s of the ~55 s these suites took on 2 cores. A suite
				// that mocks a module resets the module graph first (vi.resetModules).
				test: {name: 'unit', include: UNIT, isolate: false},
			},
			{
				extends: true,
				test: {name: 'integration', include: ['test/**/*.test.{ts,tsx}'], exclude: [...configDefaults.exclude, 'test/tui/**']},
			},
		],
	},
});
