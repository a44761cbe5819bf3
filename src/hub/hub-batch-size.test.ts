import {describe, expect, it} from 'vitest';
import {HUB_BATCH_SIZE, HUB_READER_BATCH_SIZE, HUB_READER_WINDOW_MS, hubBatchSize} from './hub.js';
import {ReaderSignal} from './reader-signal.js';

describe('hubBatchSize', () => {
	it('is the small size while a chat user asked within the window, the full size before and after', () => {
		expect(HUB_READER_BATCH_SIZE).toBeLessThan(HUB_BATCH_SIZE);
		let now = 50_000;
		const readers = new ReaderSignal(undefined, () => now);
		expect(hubBatchSize(readers)).toBe(HUB_BATCH_SIZE);
		readers.mark();
		expect(hubBatchSize(readers)).toBe(HUB_READER_BATCH_SIZE);
		now += HUB_READER_WINDOW_MS;
		expect(hubBatchSize(readers)).toBe(HUB_READER_BATCH_SIZE);
		now += 1;
		expect(hubBatchSize(readers)).toBe(HUB_BATCH_SIZE);
	});
});
