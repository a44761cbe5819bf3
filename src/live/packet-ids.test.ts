import {describe, expect, it} from 'vitest';
import {RoundRobinPacketIds} from './packet-ids.js';

describe('RoundRobinPacketIds', () => {
	it('hands out 1, 2, 3 … and keeps going round robin after frees', () => {
		const ids = new RoundRobinPacketIds();
		expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([1, 2, 3]);
		ids.deallocate(1);
		expect(ids.allocate()).toBe(4);
		expect(ids.getLastAllocated()).toBe(4);
	});

	it('never hands out an id in use: after a full turn it skips those still in flight', () => {
		const ids = new RoundRobinPacketIds();
		const first = Array.from({length: 65_535}, () => ids.allocate());
		expect(first.every((id, i) => id === i + 1)).toBe(true);
		expect(ids.allocate()).toBeNull();
		ids.deallocate(7);
		ids.deallocate(3);
		expect(ids.allocate()).toBe(3);
		expect(ids.allocate()).toBe(7);
		expect(ids.allocate()).toBeNull();
	});

	it('register marks an id in use once (an outgoing store replayed on reconnect); clear frees all', () => {
		const ids = new RoundRobinPacketIds();
		expect(ids.register(1)).toBe(true);
		expect(ids.register(1)).toBe(false);
		expect(ids.register(0)).toBe(false);
		expect(ids.register(65_536)).toBe(false);
		expect(ids.allocate()).toBe(2);
		ids.clear();
		expect(ids.register(1)).toBe(true);
		expect(ids.register(2)).toBe(true);
	});
});
