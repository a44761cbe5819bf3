import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {HUB_MALLOC_ARENA_MAX, HUB_MALLOC_THRESHOLD_BYTES, HUB_MAX_SEMI_SPACE_MB, hubProcessEnv} from './daemon.js';

describe('hubProcessEnv', () => {
	it("caps glibc's malloc arenas and sets its thresholds unless the environment sets them, and points HERMES_HOME at the home", () => {
		const env = hubProcessEnv({PATH: '/bin', HERMES_HOME: '/elsewhere'}, '/home/h');
		expect(env).toEqual({
			PATH: '/bin',
			HERMES_HOME: '/home/h',
			MALLOC_ARENA_MAX: HUB_MALLOC_ARENA_MAX,
			MALLOC_MMAP_THRESHOLD_: HUB_MALLOC_THRESHOLD_BYTES,
			MALLOC_TRIM_THRESHOLD_: HUB_MALLOC_THRESHOLD_BYTES,
			NODE_OPTIONS: `--max-semi-space-size=${HUB_MAX_SEMI_SPACE_MB}`,
		});
		expect(hubProcessEnv({MALLOC_ARENA_MAX: '16'}, '/home/h').MALLOC_ARENA_MAX).toBe('16');
		expect(hubProcessEnv({MALLOC_MMAP_THRESHOLD_: '1048576'}, '/home/h').MALLOC_MMAP_THRESHOLD_).toBe('1048576');
	});

	it("caps V8's young generation through NODE_OPTIONS, keeping the user's options and their own cap", () => {
		expect(hubProcessEnv({NODE_OPTIONS: '--enable-source-maps'}, '/home/h').NODE_OPTIONS).toBe(`--enable-source-maps --max-semi-space-size=${HUB_MAX_SEMI_SPACE_MB}`);
		expect(hubProcessEnv({NODE_OPTIONS: '--max-semi-space-size=16 --trace-warnings'}, '/home/h').NODE_OPTIONS).toBe('--max-semi-space-size=16 --trace-warnings');
	});

	it("gives a hub process whose V8 heap has the smaller young generation", () => {
		// The real effect, not just the string: node accepts the option in NODE_OPTIONS, and V8's heap
		// limit (old generation + young generation) shrinks by the semi-spaces it no longer reserves.
		const heapLimitMb = (env: NodeJS.ProcessEnv) =>
			Number(execFileSync(process.execPath, ['-e', "process.stdout.write(String(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20))"], {env, encoding: 'utf8'}));
		const plain = heapLimitMb({PATH: process.env.PATH, NODE_OPTIONS: '--max-semi-space-size=16'});
		const hub = heapLimitMb(hubProcessEnv({PATH: process.env.PATH}, '/home/h'));
		expect(plain - hub).toBe(3 * (16 - HUB_MAX_SEMI_SPACE_MB));
	});
});
