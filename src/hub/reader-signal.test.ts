import {describe, expect, it} from 'vitest';
import {ReaderSignal} from './reader-signal.js';

describe('ReaderSignal', () => {
	it('is recent for windowMs after a mark, seen through another instance over the same shared memory', () => {
		let now = 1_000_000;
		const front = new ReaderSignal(undefined, () => now);
		const ingester = new ReaderSignal(front.buffer, () => now);
		expect(ingester.isRecent(1_000)).toBe(false); // never marked
		front.mark();
		expect(ingester.isRecent(1_000)).toBe(true);
		now += 1_000;
		expect(ingester.isRecent(1_000)).toBe(true);
		now += 1;
		expect(ingester.isRecent(1_000)).toBe(false);
		front.mark();
		expect(ingester.isRecent(1_000)).toBe(true);
	});

	it('is marked across threads: a worker marks, this thread sees it', async () => {
		const {Worker} = await import('node:worker_threads');
		const signal = new ReaderSignal();
		expect(signal.isRecent(60_000)).toBe(false);
		// The worker stores a fixed time the way mark() does; this thread's clock is set next to it.
		const worker = new Worker(`const {workerData} = require('node:worker_threads'); Atomics.store(new BigInt64Array(workerData, 0, 1), 0, 5000n);`, {eval: true, workerData: signal.buffer});
		await new Promise((resolve) => worker.once('exit', resolve));
		expect(new ReaderSignal(signal.buffer, () => 5_500).isRecent(1_000)).toBe(true);
		expect(new ReaderSignal(signal.buffer, () => 6_001).isRecent(1_000)).toBe(false);
	});
});
