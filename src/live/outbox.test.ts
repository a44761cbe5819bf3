import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import {Outbox} from './outbox.js';

/** A publish whose PUBACKs the test controls. */
function fakeBroker() {
	const calls: Array<{topic: string; resolve: () => void; reject: (e: Error) => void}> = [];
	let isUp = true;
	const publish = vi.fn((topic: string) => {
		if (!isUp) return Promise.reject(new Error('not connected'));
		return new Promise<void>((resolve, reject) => calls.push({topic, resolve, reject}));
	});
	return {
		publish,
		calls,
		setUp: (up: boolean) => (isUp = up),
		/** PUBACK every publish still waiting. */
		ackAll: async () => {
			for (const c of calls.splice(0)) c.resolve();
			await vi.advanceTimersByTimeAsync(0);
		},
	};
}

describe('Outbox', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('publishes at once when connected and reports the first PUBACK once', async () => {
		const broker = fakeBroker();
		const pubacked: string[] = [];
		const outbox = new Outbox({publish: broker.publish, onPubacked: (id) => pubacked.push(id)});
		outbox.setConnected(true);
		outbox.add('m1', 't/bob/alice', Buffer.from('x'));
		expect(broker.publish).toHaveBeenCalledTimes(1);
		await broker.ackAll();
		expect(pubacked).toEqual(['m1']);
		await vi.advanceTimersByTimeAsync(3_000);
		await broker.ackAll();
		expect(broker.publish).toHaveBeenCalledTimes(2);
		expect(pubacked).toEqual(['m1']);
	});

	it('resends without a receipt after 3 s, 6 s, 12 s … capped at 30 s, and never drops', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish});
		outbox.setConnected(true);
		outbox.add('m1', 't', Buffer.from('x'));
		await broker.ackAll();
		const sendTimes: number[] = [];
		broker.publish.mockImplementation(() => {
			sendTimes.push(Date.now());
			return Promise.resolve();
		});
		const start = Date.now();
		await vi.advanceTimersByTimeAsync(3_000 + 6_000 + 12_000 + 24_000 + 30_000 + 30_000);
		expect(sendTimes.map((t) => t - start)).toEqual([3_000, 9_000, 21_000, 45_000, 75_000, 105_000]);
		expect(outbox.pendingIds()).toEqual(['m1']);
		expect(outbox.attemptsOf('m1')).toBe(7);
	});

	it('uses the defaults when options are passed as undefined (regression: NaN delays resent every 1 ms)', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish, resendAfterMs: undefined, maxResendAfterMs: undefined});
		outbox.setConnected(true);
		outbox.add('m1', 't', Buffer.from('x'));
		await broker.ackAll();
		await vi.advanceTimersByTimeAsync(2_999);
		expect(outbox.stats()).toEqual({first: 1, afterTimeout: 0, afterReconnect: 0, afterNewerConfirmed: 0});
		await vi.advanceTimersByTimeAsync(1);
		expect(outbox.stats().afterTimeout).toBe(1);
	});

	it('stops resending once confirmed', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish, resendAfterMs: 100});
		outbox.setConnected(true);
		outbox.add('m1', 't', Buffer.from('x'));
		await broker.ackAll();
		expect(outbox.confirm('m1')).toBe(true);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(broker.publish).toHaveBeenCalledTimes(1);
		expect(outbox.pendingIds()).toEqual([]);
		expect(outbox.confirm('m1')).toBe(false);
	});

	it('keeps messages added while disconnected and publishes them on connect', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish});
		outbox.add('m1', 't', Buffer.from('1'));
		outbox.add('m2', 't', Buffer.from('2'));
		await vi.advanceTimersByTimeAsync(60_000);
		expect(broker.publish).not.toHaveBeenCalled();
		outbox.setConnected(true);
		expect(broker.calls.map((c) => c.topic)).toEqual(['t', 't']);
		expect(outbox.pendingIds()).toEqual(['m1', 'm2']);
	});

	it('republishes on reconnect what is not in flight, leaving in-flight ones to mqtt.js', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish});
		outbox.setConnected(true);
		outbox.add('acked', 't', Buffer.from('1'));
		await broker.ackAll();
		outbox.add('in-flight', 't', Buffer.from('2'));
		outbox.setConnected(false);
		outbox.setConnected(true);
		expect(broker.publish).toHaveBeenCalledTimes(3);
		expect(outbox.attemptsOf('acked')).toBe(2);
		expect(outbox.attemptsOf('in-flight')).toBe(1);
	});

	it('does not resend while disconnected; a failed publish stays queued', async () => {
		const broker = fakeBroker();
		const failures: string[] = [];
		const outbox = new Outbox({publish: broker.publish, resendAfterMs: 100, onPublishFailed: (id) => failures.push(id)});
		outbox.setConnected(true);
		broker.setUp(false);
		outbox.add('m1', 't', Buffer.from('1'));
		await vi.advanceTimersByTimeAsync(0);
		expect(failures).toEqual(['m1']);
		outbox.setConnected(false);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(broker.publish).toHaveBeenCalledTimes(1);
		broker.setUp(true);
		outbox.setConnected(true);
		expect(broker.publish).toHaveBeenCalledTimes(2);
	});

	it('a confirmed message republishes older waiting ones at once, with the delay reset', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish, resendAfterMs: 1_000});
		outbox.setConnected(true);
		outbox.add('lost', 't', Buffer.from('1'));
		await broker.ackAll();
		await vi.advanceTimersByTimeAsync(1_000); // resent; its delay is now 2000
		await broker.ackAll();
		outbox.add('confirmed', 't', Buffer.from('2'));
		outbox.add('newer', 't', Buffer.from('3'));
		await broker.ackAll();
		outbox.confirm('confirmed');
		expect(outbox.attemptsOf('lost')).toBe(3);
		expect(outbox.attemptsOf('newer')).toBe(1);
		await broker.ackAll();
		await vi.advanceTimersByTimeAsync(999);
		expect(outbox.attemptsOf('lost')).toBe(3);
		await vi.advanceTimersByTimeAsync(1);
		expect(outbox.attemptsOf('lost')).toBe(4);
	});

	it('resends a lost message once for a run of newer confirmations, not once per confirmation', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish});
		outbox.setConnected(true);
		for (const id of ['lost', 'b', 'c', 'd']) outbox.add(id, 't', Buffer.from(id));
		await broker.ackAll();
		outbox.confirm('b');
		await broker.ackAll();
		outbox.confirm('c');
		outbox.confirm('d');
		expect(outbox.attemptsOf('lost')).toBe(2);
		expect(outbox.stats()).toEqual({first: 4, afterTimeout: 0, afterReconnect: 0, afterNewerConfirmed: 1});
	});

	it('ignores a second add of the same id and publishes nothing after close', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish, resendAfterMs: 100});
		outbox.setConnected(true);
		outbox.add('m1', 't', Buffer.from('1'));
		outbox.add('m1', 't', Buffer.from('1'));
		expect(broker.publish).toHaveBeenCalledTimes(1);
		await broker.ackAll();
		outbox.close();
		await vi.advanceTimersByTimeAsync(10_000);
		expect(broker.publish).toHaveBeenCalledTimes(1);
	});

	it('keeps resending on time when the wall clock steps back an hour (monotonic clock, issue 11)', async () => {
		const broker = fakeBroker();
		const outbox = new Outbox({publish: broker.publish});
		outbox.setConnected(true);
		outbox.add('m1', 't', Buffer.from('x'));
		await broker.ackAll();
		const monotonicStart = performance.now();
		// The wall clock jumps back 1 h (NTP step, manual change); the monotonic clock does not.
		vi.setSystemTime(Date.now() - 3_600_000);
		expect(performance.now()).toBeGreaterThanOrEqual(monotonicStart);
		await vi.advanceTimersByTimeAsync(3_000);
		expect(broker.publish).toHaveBeenCalledTimes(2);
		await broker.ackAll();
		await vi.advanceTimersByTimeAsync(6_000);
		expect(broker.publish).toHaveBeenCalledTimes(3);
	});

	it('forgets a rejected message for good, without resending the others (rejected receipt)', async () => {
		const broker = fakeBroker();
		const changes: string[][] = [];
		const outbox = new Outbox({publish: broker.publish, onChange: () => changes.push(outbox.pendingIds())});
		outbox.setConnected(true);
		outbox.add('m1', 't', Buffer.from('x'));
		outbox.add('m2', 't', Buffer.from('\u0000'));
		await broker.ackAll();
		expect(outbox.reject('m2')).toBe(true);
		expect(outbox.reject('m2')).toBe(false);
		expect(changes.at(-1)).toEqual(['m1']);
		expect(broker.publish).toHaveBeenCalledTimes(2);
		await vi.advanceTimersByTimeAsync(3_000);
		expect(broker.publish.mock.calls.map(([topic]) => topic)).toHaveLength(3);
		expect(outbox.attemptsOf('m2')).toBeUndefined();
	});
});
