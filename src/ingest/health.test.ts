import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {probeHealth, type HealthInputs} from './health.js';

const inputs = (overrides: Partial<HealthInputs> = {}): HealthInputs => ({
	db: {query: vi.fn(async () => ({rows: [{'?column?': 1}]})) as unknown as HealthInputs['db']['query']},
	isBrokerConnected: true,
	isDraining: false,
	pending: 3,
	maxPending: 100,
	timeoutMs: 2_000,
	...overrides,
});

describe('probeHealth', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('is healthy with the broker connected, the database answering and room in the backlog', async () => {
		expect(await probeHealth(inputs())).toEqual({
			isHealthy: true, isBrokerConnected: true, isDatabaseReachable: true, isDraining: false, pending: 3, maxPending: 100,
		});
	});

	it.each([
		['the broker is disconnected', {isBrokerConnected: false}],
		['the backlog is full (shedding)', {pending: 100}],
		['it is draining', {isDraining: true}],
	])('is unhealthy when %s', async (_why, overrides) => {
		expect((await probeHealth(inputs(overrides))).isHealthy).toBe(false);
	});

	it('reports the database error in one line', async () => {
		const query = vi.fn(async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432\nmore')));
		const health = await probeHealth(inputs({db: {query: query as unknown as HealthInputs['db']['query']}}));
		expect(health).toMatchObject({isHealthy: false, isDatabaseReachable: false, databaseError: 'connect ECONNREFUSED 127.0.0.1:5432'});
	});

	it('gives up on a database that does not answer after timeoutMs', async () => {
		const query = vi.fn(() => new Promise<never>(() => undefined));
		const probe = probeHealth(inputs({db: {query: query as unknown as HealthInputs['db']['query']}, timeoutMs: 500}));
		await vi.advanceTimersByTimeAsync(500);
		expect(await probe).toMatchObject({isHealthy: false, isDatabaseReachable: false, databaseError: 'no answer within 500 ms'});
	});
});
