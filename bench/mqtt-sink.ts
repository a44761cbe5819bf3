// One subscriber process of `npm run bench`'s broker baselines (spawned, never run by hand):
//   count  pass-through — counts the chat publishes it receives, no decoding, no database;
//   echo   the ingester's MQTT traffic without the database — decodes each message and publishes
//          what the ingester publishes for a version 1 direct message, all at QoS 1: the stored
//          message (v2, with `seq`, `prev_seq`, `created_at`) to both members' inboxes
//          `{base}/{member}/server/inbox`, then `received_by_server` to `{base}/{sender}/server`
//          (docs/protocol.md, "The server's rules"). Three publishes per message, as the ingester.
// It subscribes exactly as the ingester does (ingestSubscriptionV2, a shared subscription), so it
// also receives its own receipts, as the ingester does, and writes to its socket as the ingester
// does (one write per turn, packet ids that are never reused while in flight: src/live/connect.ts).
// Reports when `expected` are done, or when nothing has progressed for `quietMs` (the report then
// says how many were).
import mqtt from 'mqtt';
import type {Duplex} from 'node:stream';
import {coalesceCorkedWrites, corkPerTurn} from '../src/ingest/cork-per-turn.js';
import {RoundRobinPacketIds} from '../src/live/packet-ids.js';
import {encodeTrusted, inboxTopic, ingestSubscriptionV2, SERVER_ID, topicFor} from '../src/protocol/index.js';
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

/** The IPC report of a sink: when the last message was received (count) or echoed (echo: its last publish PUBACKed). */
export interface SinkReport {
	type: 'done';
	lastAt: number;
	received: number;
	/** Echo: messages whose three publishes (two inboxes, receipt) the broker PUBACKed. */
	echoed: number;
	cpuUs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as SinkConfig;
const client = await mqtt.connectAsync(config.mqttUrl, {protocolVersion: 5, clean: true, reconnectPeriod: 0, clientId: `bench-sink-${process.pid}`, messageIdProvider: new RoundRobinPacketIds()});
(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
if (config.mode === 'echo') {
	// As the ingester (src/ingest/subscription.ts): one socket write per turn of the event loop,
	// so a read's PUBACKs and the publishes made for it leave together.
	corkPerTurn(client.stream as Duplex);
	coalesceCorkedWrites(client.stream as Duplex);
}
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
// Echo keeps at most ECHO_WINDOW publishes unacknowledged and holds later messages until PUBACKs
// come back, as the ingester is held by its batches (a 1,000-message batch's fan-out is 3,000):
// unbounded, a flood outruns Mosquitto, fills mqtt.js's 65,535 packet ids and queues inside
// mqtt.js, which the ingester, paced by its commits, never does.
const ECHO_WINDOW = 3_000;
const waiting: Buffer[] = [];
let waitingHead = 0;
let unacknowledged = 0;
let seq = 0;
function echoWaiting(): void {
	while (unacknowledged < ECHO_WINDOW && waitingHead < waiting.length) echo(waiting[waitingHead++]!);
	if (waitingHead === waiting.length) waiting.length = waitingHead = 0;
}
function echo(payload: Buffer): void {
	const message = JSON.parse(payload.toString()) as {message_id: string; sender_id: string; receiver_id: string; sender_name: string; content: string; timestamp: string};
	seq++;
	const stored = encodeTrusted({
		v: 2, type: 'message', message_id: message.message_id, conversation_id: [message.sender_id, message.receiver_id].sort().join(':'),
		sender_id: message.sender_id, sender_name: message.sender_name, content: message.content, message_type: 'text',
		timestamp: message.timestamp, seq, prev_seq: seq - 1, created_at: new Date().toISOString(),
	});
	const receipt = encodeTrusted({type: 'status', message_id: message.message_id, status: 'received_by_server', user_id: message.sender_id, timestamp: new Date().toISOString()});
	let pending = 3;
	unacknowledged += 3;
	const onPuback = () => {
		unacknowledged--;
		if (--pending === 0) {
			lastProgressAt = wallMs();
			if (++done === config.expected) finish();
		}
		echoWaiting();
	};
	client.publish(inboxTopic(config.topicBase, message.receiver_id), stored, {qos: 1}, onPuback);
	client.publish(inboxTopic(config.topicBase, message.sender_id), stored, {qos: 1}, onPuback);
	client.publish(topicFor(config.topicBase, message.sender_id, SERVER_ID), receipt, {qos: 1}, onPuback);
}
client.on('message', (topic, payload) => {
	if (topic.endsWith(receiptSuffix)) return;
	cpuBefore ??= process.cpuUsage();
	received++;
	lastProgressAt = wallMs();
	if (config.mode === 'count') {
		if (received === config.expected) finish();
		return;
	}
	waiting.push(payload);
	echoWaiting();
});
await client.subscribeAsync(ingestSubscriptionV2(config.topicBase, config.group), {qos: 1});
process.send!({type: 'ready'});
