// One subscriber process of `npm run bench`'s broker baselines (spawned, never run by hand):
//   count  pass-through — counts the chat publishes it receives, no decoding, no database;
//   echo   the ingester's MQTT traffic without the database — decodes each message and publishes
//          one `received_by_server` receipt back to `{base}/{sender}/server` at QoS 1.
// It subscribes exactly as the ingester does (ingestSubscriptionV2, a shared subscription), so it
// also receives its own receipts, as the ingester does. Reports when `expected` are done, or when
// nothing has progressed for `quietMs` (a broker queue over max_queued_messages drops QoS 1
// publishes: the report then says how many arrived).
import mqtt from 'mqtt';
import {ingestSubscriptionV2, SERVER_ID, topicFor} from '../src/protocol/index.js';
import {wallMs} from './procs.js';

/** argv[2] of a sink process (JSON). */
export interface SinkConfig {
	mqttUrl: string;
	topicBase: string;
	group: string;
	mode: 'count' | 'echo';
	expected: number;
	quietMs: number;
}

/** The IPC report of a sink: when the last message was received (count) or echoed (echo, PUBACKed). */
export interface SinkReport {
	type: 'done';
	lastAt: number;
	received: number;
	/** Echo: receipts PUBACKed by the broker. */
	echoed: number;
	cpuUs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as SinkConfig;
const client = await mqtt.connectAsync(config.mqttUrl, {protocolVersion: 5, clean: true, reconnectPeriod: 0, clientId: `bench-sink-${process.pid}`});
(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
let cpuBefore: NodeJS.CpuUsage | undefined;
let received = 0;
let done = 0;
let lastProgressAt = 0;
let finished = false;
const finish = () => {
	if (finished) return;
	finished = true;
	clearInterval(quiet);
	const cpu = process.cpuUsage(cpuBefore);
	const report: SinkReport = {type: 'done', lastAt: lastProgressAt, received, echoed: done, cpuUs: cpu.user + cpu.system};
	// Forced end: a graceful one waits for PUBACKs of receipts still in flight, possibly forever.
	process.send!(report, () => void client.endAsync(true).finally(() => process.exit(0)));
};
const quiet = setInterval(() => {
	if (lastProgressAt && wallMs() - lastProgressAt > config.quietMs) finish();
}, 250);
const receiptSuffix = `/${SERVER_ID}`;
client.on('message', (topic, payload) => {
	if (topic.endsWith(receiptSuffix)) return;
	cpuBefore ??= process.cpuUsage();
	received++;
	lastProgressAt = wallMs();
	if (config.mode === 'count') {
		if (received === config.expected) finish();
		return;
	}
	const message = JSON.parse(payload.toString()) as {message_id: string; sender_id: string};
	const receipt = JSON.stringify({type: 'status', message_id: message.message_id, status: 'received_by_server', user_id: message.sender_id, timestamp: new Date().toISOString()});
	client.publish(topicFor(config.topicBase, message.sender_id, SERVER_ID), receipt, {qos: 1}, () => {
		lastProgressAt = wallMs();
		if (++done === config.expected) finish();
	});
});
await client.subscribeAsync(ingestSubscriptionV2(config.topicBase, config.group), {qos: 1});
process.send!({type: 'ready'});
