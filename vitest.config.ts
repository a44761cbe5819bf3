import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
		// Integration and end-to-end suites start brokers, databases and terminals.
		testTimeout: 60_000,
		hookTimeout: 120_000,
		// Two cores: keep the heavy suites from starving each other.
		maxWorkers: 2,
	},
});
