import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {Batcher} from './batcher.js';

/** A write function whose calls stay open until the test settles them. */
function controlledWrite() {
	const calls: Array<{items: number[]; resolve: () => void; reject: (error: Error) => void}> = [];
	const write = (items: number[]) =>
		new Promise<void>((resolve, reject) => calls.push({items: [...items], resolve, reject}));
	return {calls, write};
}

describe('Batcher', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('writes as soon as maxSize items are queued, without waiting for the linger time', () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 3, lingerMs: 1_000, write});
		[1, 2, 3].forEach((n) => batcher.push(n));
		expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
	});

	it('writes a partial batch lingerMs after its first item', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 10, lingerMs: 10, write});
		batcher.push(1);
		await vi.advanceTimersByTimeAsync(5);
		batcher.push(2);
		expect(calls).toHaveLength(0);
		await vi.advanceTimersByTimeAsync(5);
		expect(calls.map((c) => c.items)).toEqual([[1, 2]]);
	});

	it('collects the next batch while one is written and starts it when the write ends, in order', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 2, lingerMs: 10, write});
		[1, 2, 3, 4, 5].forEach((n) => batcher.push(n));
		expect(calls.map((c) => c.items)).toEqual([[1, 2]]);
		expect(batcher.pending).toBe(5);
		calls[0]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.map((c) => c.items)).toEqual([[1, 2], [3, 4]]);
		calls[1]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.map((c) => c.items)).toEqual([[1, 2], [3, 4], [5]]);
	});

	it('retries a failed batch with the same items after 250 ms, 500 ms … capped at 5 s', async () => {
		const {calls, write} = controlledWrite();
		const delays: number[] = [];
		const batcher = new Batcher<number>({maxSize: 2, lingerMs: 10, write, onRetry: (_e, _a, delayMs) => delays.push(delayMs)});
		batcher.push(1);
		batcher.push(2);
		batcher.push(3);
		for (let attempt = 0; attempt < 7; attempt++) {
			calls[attempt]!.reject(new Error('database down'));
			await vi.advanceTimersByTimeAsync(delays.at(-1) ?? 0);
			await vi.advanceTimersByTimeAsync(5_000);
		}
		expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000]);
		expect(calls.map((c) => c.items).every((items) => items.join() === '1,2')).toBe(true);
		calls.at(-1)!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.at(-1)!.items).toEqual([3]);
	});

	it('flush resolves once everything queued is written', async () => {
		const written: number[] = [];
		const batcher = new Batcher<number>({maxSize: 2, lingerMs: 1_000, write: async (items) => void written.push(...items)});
		[1, 2, 3].forEach((n) => batcher.push(n));
		await batcher.flush();
		expect(written).toEqual([1, 2, 3]);
		expect(batcher.pending).toBe(0);
	});

	it('abandon drops what is queued and stops retrying', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 1, lingerMs: 10, write});
		batcher.push(1);
		batcher.push(2);
		const flushed = batcher.flush();
		calls[0]!.reject(new Error('database down'));
		await vi.advanceTimersByTimeAsync(0);
		expect(batcher.abandon()).toBe(2);
		await flushed;
		await vi.advanceTimersByTimeAsync(10_000);
		expect(calls).toHaveLength(1);
	});

	it('flush resolves when an item is re-queued by the write in flight after abandon() (issue 11 regression)', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 1, lingerMs: 10, write});
		batcher.push(1);
		const flushed = batcher.flush();
		let isFlushed = false;
		void flushed.then(() => (isFlushed = true));
		expect(batcher.abandon()).toBe(1);
		// What the ingester's writer does for a receipt whose message is not stored yet.
		batcher.push(2);
		calls[0]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(isFlushed).toBe(true);
		expect(batcher.pending).toBe(0);
		expect(calls.map((c) => c.items)).toEqual([[1]]);
	});
});

describe('Batcher with two writes in flight', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('starts a second batch while the first is written, cut in arrival order, and a third only when one ends', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 2, lingerMs: 10, write, maxInFlight: 2});
		[1, 2, 3, 4, 5].forEach((n) => batcher.push(n));
		expect(calls.map((c) => c.items)).toEqual([[1, 2], [3, 4]]);
		expect(batcher.pending).toBe(5);
		calls[1]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.map((c) => c.items)).toEqual([[1, 2], [3, 4], [5]]);
		let flushed = false;
		void batcher.flush().then(() => (flushed = true));
		calls[2]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(flushed).toBe(false);
		calls[0]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(flushed).toBe(true);
		expect(batcher.pending).toBe(0);
	});

	it('retries each failed batch with its own items; abandon() wakes both retries', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 1, lingerMs: 10, write, maxInFlight: 2});
		[1, 2].forEach((n) => batcher.push(n));
		calls[0]!.reject(new Error('a'));
		calls[1]!.reject(new Error('b'));
		await vi.advanceTimersByTimeAsync(250);
		expect(calls.map((c) => c.items)).toEqual([[1], [2], [1], [2]]);
		calls[2]!.reject(new Error('a'));
		calls[3]!.reject(new Error('b'));
		await vi.advanceTimersByTimeAsync(0);
		let flushed = false;
		void batcher.flush().then(() => (flushed = true));
		expect(batcher.abandon()).toBe(2);
		await vi.advanceTimersByTimeAsync(0);
		expect(flushed).toBe(true);
		expect(calls).toHaveLength(4);
	});
});

describe('Batcher that starts when idle (group commit)', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('with no write running, writes what this turn queued at once, not lingerMs later', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 10, lingerMs: 1_000, write, maxInFlight: 2, startsWhenIdle: true});
		// One socket read's worth of publishes: pushed in the same turn, written together.
		[1, 2].forEach((n) => batcher.push(n));
		expect(calls).toHaveLength(0);
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.map((c) => c.items)).toEqual([[1, 2]]);
		// Beside a running write, the next batch lingers as before.
		batcher.push(3);
		await vi.advanceTimersByTimeAsync(999);
		expect(calls).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(calls.map((c) => c.items)).toEqual([[1, 2], [3]]);
		// Both slots busy: what arrives waits for a write to end, then goes at once.
		[4, 5].forEach((n) => batcher.push(n));
		calls[0]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.map((c) => c.items)).toEqual([[1, 2], [3], [4, 5]]);
		calls[1]!.resolve();
		calls[2]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		// Idle again: the next item is written at once.
		batcher.push(6);
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.map((c) => c.items)).toEqual([[1, 2], [3], [4, 5], [6]]);
	});

	it('abandon() cancels a start that was scheduled for this turn', async () => {
		const {calls, write} = controlledWrite();
		const batcher = new Batcher<number>({maxSize: 10, lingerMs: 10, write, startsWhenIdle: true});
		batcher.push(1);
		expect(batcher.abandon()).toBe(1);
		await vi.advanceTimersByTimeAsync(100);
		expect(calls).toHaveLength(0);
	});

	it('cuts each batch at the size sizeNow() gives when it is cut, clamped to 1…maxSize, in order', async () => {
		const {calls, write} = controlledWrite();
		let size = 2;
		const batcher = new Batcher<number>({maxSize: 4, lingerMs: 10, write, sizeNow: () => size});
		[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].forEach((n) => batcher.push(n));
		await vi.advanceTimersByTimeAsync(10);
		expect(calls.map((c) => c.items)).toEqual([[1, 2]]);
		size = 100; // above maxSize: maxSize
		calls[0]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.at(-1)!.items).toEqual([3, 4, 5, 6]);
		size = 0; // below 1: one item, never an empty batch
		calls[1]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.at(-1)!.items).toEqual([7]);
		size = 3;
		calls[2]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.at(-1)!.items).toEqual([8, 9, 10]);
		calls[3]!.resolve();
		await vi.advanceTimersByTimeAsync(0);
		expect(calls.at(-1)!.items).toEqual([11, 12]);
	});
});
