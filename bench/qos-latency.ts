// (b) QoS 1 round trip against the broker, with TCP_NODELAY and without: one client publishes
// at QoS 1 to a topic it subscribes to at QoS 1 and waits for both the PUBACK and the message
// (a chat message to yourself), then the next — the pattern where Nagle meets delayed ACK.
import {randomUUID} from 'node:crypto';
import mqtt from 'mqtt';
import {MQTT_URL, percentile, round} from './lib.js';

/** Latency summary of one configuration, in ms. */
export interface LatencyRow {
	mode: string;
	roundTrips: number;
	medianMs: number;
	p99Ms: number;
	meanMs: number;
}

async function measure(noDelay: boolean, count: number): Promise<LatencyRow> {
	const client = await mqtt.connectAsync(MQTT_URL, {protocolVersion: 5, clientId: `bench-rtt-${randomUUID().slice(0, 6)}`});
	(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(noDelay);
	const topic = `bench-${randomUUID().slice(0, 8)}/rtt`;
	const payload = JSON.stringify({type: 'message', content: 'x'.repeat(120)});
	const samples: number[] = [];
	await client.subscribeAsync(topic, {qos: 1});
	let delivered: (() => void) | undefined;
	client.on('message', () => delivered?.());
	try {
		for (let i = 0; i < count; i++) {
			const started = performance.now();
			const echoed = new Promise<void>((resolve) => (delivered = resolve));
			await Promise.all([client.publishAsync(topic, payload, {qos: 1}), echoed]);
			samples.push(performance.now() - started);
		}
	} finally {
		await client.endAsync();
	}
	const mean = samples.reduce((sum, s) => sum + s, 0) / samples.length;
	return {
		mode: noDelay ? 'TCP_NODELAY on' : 'TCP_NODELAY off (Nagle)',
		roundTrips: count,
		medianMs: round(percentile(samples, 50), 3),
		p99Ms: round(percentile(samples, 99), 3),
		meanMs: round(mean, 3),
	};
}

/** Run (b); returns both rows and the median ratio off/on. */
export async function runQosLatency(count: number): Promise<{rows: LatencyRow[]; ratio: number}> {
	const on = await measure(true, count);
	const off = await measure(false, count);
	return {rows: [on, off], ratio: round(off.medianMs / on.medianMs, 1)};
}
