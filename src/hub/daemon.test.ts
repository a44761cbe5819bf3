import {describe, expect, it} from 'vitest';
import {HUB_MALLOC_ARENA_MAX, HUB_MALLOC_THRESHOLD_BYTES, hubProcessEnv} from './daemon.js';

describe('hubProcessEnv', () => {
	it("caps glibc's malloc arenas and sets its thresholds unless the environment sets them, and points HERMES_HOME at the home", () => {
		const env = hubProcessEnv({PATH: '/bin', HERMES_HOME: '/elsewhere'}, '/home/h');
		expect(env).toEqual({
			PATH: '/bin',
			HERMES_HOME: '/home/h',
			MALLOC_ARENA_MAX: HUB_MALLOC_ARENA_MAX,
			MALLOC_MMAP_THRESHOLD_: HUB_MALLOC_THRESHOLD_BYTES,
			MALLOC_TRIM_THRESHOLD_: HUB_MALLOC_THRESHOLD_BYTES,
		});
		expect(hubProcessEnv({MALLOC_ARENA_MAX: '16'}, '/home/h').MALLOC_ARENA_MAX).toBe('16');
		expect(hubProcessEnv({MALLOC_MMAP_THRESHOLD_: '1048576'}, '/home/h').MALLOC_MMAP_THRESHOLD_).toBe('1048576');
	});
});
