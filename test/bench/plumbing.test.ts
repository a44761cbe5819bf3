// The benchmark's own plumbing: the traffic it sends is what the protocol accepts (so the ingester
// stores it instead of rejecting it), shares add up, and CPU accounting reads /proc correctly.
import {describe, expect, it} from 'vitest';
import {decodePayload, topicFor} from '../../src/protocol/index.js';
import {clusterCpuUs, median, processCpuUs} from '../../bench/procs.js';
import {benchMessage, PAYLOAD_BYTES, payloadOf, shareOf} from '../../bench/traffic.js';

describe('bench traffic', () => {
	it('is valid protocol-1 messages of ~300 bytes, distinct per publisher and index', () => {
		const ids = new Set<string>();
		for (const [p, i] of [[0, 0], [0, 9], [1, 99_999], [3, 12_345]] as const) {
			const message = benchMessage('r1', p, i);
			const payload = payloadOf(message, new Date(0).toISOString());
			expect(Buffer.byteLength(payload)).toBeGreaterThanOrEqual(PAYLOAD_BYTES - 5);
			expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(PAYLOAD_BYTES + 5);
			const decoded = decodePayload('bench/r1', topicFor('bench/r1', message.receiver_id, message.sender_id), Buffer.from(payload));
			expect(decoded.ok).toBe(true);
			ids.add(`${message.sender_id}/${message.message_id}`);
		}
		expect(ids.size).toBe(4);
	});

	it('splits a total over publishers without losing or adding one', () => {
		for (const [total, publishers] of [[100_000, 2], [100_001, 3], [5, 4], [0, 2]] as const) {
			const shares = Array.from({length: publishers}, (_, p) => shareOf(total, publishers, p));
			expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
			expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
		}
	});
});

describe('bench CPU accounting', () => {
	it('reads this process from /proc and counts its children as a cluster', () => {
		let spin = 0;
		for (let i = 0; i < 5e7; i++) spin += i % 7;
		expect(spin).toBeGreaterThan(0);
		const own = processCpuUs(process.pid);
		expect(own).toBeGreaterThan(0);
		// As a "postmaster", this process has at least its own time.
		expect(clusterCpuUs(process.pid)).toBeGreaterThanOrEqual(own);
		expect(processCpuUs(2 ** 22 + 12_345)).toBe(0);
	});

	it('takes the median of odd and even counts', () => {
		expect(median([3, 1, 2])).toBe(2);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(median([])).toBeNaN();
	});
});
