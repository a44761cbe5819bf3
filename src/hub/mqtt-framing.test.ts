import {describe, expect, it} from 'vitest';
import {MqttPacketGuard} from './mqtt-framing.js';

/** MQTT Remaining Length (variable byte integer, §1.5.3). */
const remainingLength = (n: number) => {
	const out: number[] = [];
	do {
		let byte = n % 128;
		n = Math.floor(n / 128);
		if (n > 0) byte |= 0x80;
		out.push(byte);
	} while (n > 0);
	return out;
};
const publishHeader = (length: number) => Buffer.from([0x30, ...remainingLength(length)]);

describe('MqttPacketGuard', () => {
	it('accepts packets up to the limit, split anywhere', () => {
		const guard = new MqttPacketGuard(1_000);
		const packets = Buffer.concat([publishHeader(997), Buffer.alloc(997), Buffer.from([0xc0, 0]), publishHeader(10), Buffer.alloc(10)]);
		for (let i = 0; i < packets.length; i += 7) expect(guard.push(packets.subarray(i, i + 7))).toBeUndefined();
	});

	// Regression (issue 11): aedes buffered a 200 MB PUBLISH whole and delivered it.
	it('refuses a 200 MB PUBLISH from its fixed header alone', () => {
		expect(new MqttPacketGuard().push(publishHeader(200 * 1024 * 1024))).toBe('MQTT packet of 209715205 bytes exceeds the maximum of 65536');
	});

	it('refuses a packet one byte over the limit, and a malformed Remaining Length', () => {
		expect(new MqttPacketGuard(1_000).push(publishHeader(998))).toMatch(/1001 bytes exceeds/);
		expect(new MqttPacketGuard().push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toMatch(/malformed/);
	});
});
