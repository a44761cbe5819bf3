import {describe, expect, it} from 'vitest';
import {HUB_MALLOC_ARENA_MAX, hubProcessEnv} from './daemon.js';

describe('hubProcessEnv', () => {
	it("caps glibc's malloc arenas unless the environment sets them, and points HERMES_HOME at the home", () => {
		const env = hubProcessEnv({PATH: '/bin', HERMES_HOME: '/elsewhere'}, '/home/h');
		expect(env).toEqual({PATH: '/bin', HERMES_HOME: '/home/h', MALLOC_ARENA_MAX: HUB_MALLOC_ARENA_MAX});
		expect(hubProcessEnv({MALLOC_ARENA_MAX: '16'}, '/home/h').MALLOC_ARENA_MAX).toBe('16');
	});
});
