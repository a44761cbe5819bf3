// One publisher process of `npm run bench` (spawned by bench/mqtt-roles.ts, never run by hand):
// connects, says `ready`, and on `go` publishes its share of the bench messages at QoS 1 open
// loop — as fast as the broker PUBACKs them, at most `window` unacknowledged (the broker's
// max_inflight_messages), never waiting for a ✓ — then reports its times and CPU and exits.
import mqtt from 'mqtt';
import {topicFor} from '../src/protocol/index.js';
import {wallMs} from './procs.js';
import {benchMessage, payloadOf} from './traffic.js';

/** argv[2] of a publisher process (JSON). */
export interface PublisherConfig {
	mqttUrl: string;
	topicBase: string;
	runId: string;
	publisher: number;
	count: number;
	window: number;
}

/** The last IPC message of a publisher. */
export interface PublisherReport {
	type: 'done';
	firstPublishAt: number;
	lastPubackAt: number;
	published: number;
	/** CPU (user + system) between `go` and the last PUBACK, µs. */
	cpuUs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as PublisherConfig;
const client = await mqtt.connectAsync(config.mqttUrl, {protocolVersion: 5, clean: true, reconnectPeriod: 0, clientId: `bench-pub-${config.runId}-${config.publisher}`});
(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
// Build every payload before `go`: the measured part is publishing, not string building.
const publishes = Array.from({length: config.count}, (_, i) => {
	const message = benchMessage(config.runId, config.publisher, i);
	return {topic: topicFor(config.topicBase, message.receiver_id, message.sender_id), message};
});
process.on('message', (message: {type: string}) => {
	if (message.type !== 'go') return;
	const cpuBefore = process.cpuUsage();
	const firstPublishAt = wallMs();
	let next = 0;
	let acked = 0;
	let lastPubackAt = firstPublishAt;
	const fill = () => {
		while (next < publishes.length && next - acked < config.window) {
			const {topic, message: m} = publishes[next++]!;
			client.publish(topic, payloadOf(m, new Date().toISOString()), {qos: 1}, onPuback);
		}
	};
	const onPuback = (error?: Error) => {
		if (error) {
			process.stderr.write(`bench publisher ${config.publisher}: ${error.message}\n`);
			process.exit(1);
		}
		acked++;
		if (acked === publishes.length) {
			lastPubackAt = wallMs();
			const cpu = process.cpuUsage(cpuBefore);
			const report: PublisherReport = {type: 'done', firstPublishAt, lastPubackAt, published: acked, cpuUs: cpu.user + cpu.system};
			process.send!(report, () => void client.endAsync().finally(() => process.exit(0)));
		} else if (next - acked < config.window / 2) fill();
	};
	fill();
});
process.send!({type: 'ready'});
