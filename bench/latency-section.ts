// `npm run bench` section "latency" (issue 12, outcomes 1 and 3): a sender publishes chat messages
// at a steady 200 msg/s (QoS 1, ~300 bytes) to a second client's inbox, and times
//   PUBACK     send → the broker's PUBACK (the raw QoS 1 round trip),
//   delivered  send → the message arrives at the second client,
//   ✓          send → the `received_by_server` receipt from `hermes-chat ingest` (after COMMIT),
// in interleaved rounds of two modes: "raw" (no ingester: the broker alone) and "chat" (the
// ingester running on a fresh database). p50/p99 over all samples of a mode, medians of rounds kept.
import {randomUUID} from 'node:crypto';
import {loadavg} from 'node:os';
import mqtt, {type MqttClient} from 'mqtt';
import {SERVER_ID, topicFor} from '../src/protocol/index.js';
import {createTemplate, startIngester, freshDatabase, ingestProblem, type ModeContext} from './ingest-modes.js';
import {roundsFor} from './ingest-section.js';
import {percentile, round} from './lib.js';
import {wallMs} from './procs.js';
import type {BenchSection, BenchServices} from './section.js';
import {benchMessage, payloadOf} from './traffic.js';

/** Messages per second the sender keeps (the figure). */
const RATE = 200;

interface Samples {
	puback: number[];
	delivered: number[];
	confirmed: number[];
	missing: {delivered: number; confirmed: number};
	loadavg1: number;
}

async function connect(url: string, clientId: string): Promise<MqttClient> {
	const client = await mqtt.connectAsync(url, {protocolVersion: 5, clean: true, reconnectPeriod: 0, clientId});
	(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
	return client;
}

/** One round: `count` messages at RATE from a fresh sender to a fresh receiver under `topicBase`. */
async function sendAtRate(services: BenchServices, topicBase: string, runId: string, count: number, awaitReceipts: boolean): Promise<Samples> {
	const sentAt = new Map<string, number>();
	const samples: Samples = {puback: [], delivered: [], confirmed: [], missing: {delivered: 0, confirmed: 0}, loadavg1: 0};
	const messages = Array.from({length: count}, (_, i) => benchMessage(runId, 0, i * 10));
	const sender = messages[0]!.sender_id;
	const receiver = messages[0]!.receiver_id;
	const a = await connect(services.mqttUrl, `bench-lat-a-${runId}`);
	const b = await connect(services.mqttUrl, `bench-lat-b-${runId}`);
	try {
		let delivered = 0;
		let confirmed = 0;
		let onAll: () => void = () => undefined;
		const all = new Promise<void>((resolve) => (onAll = resolve));
		const check = () => {
			if (delivered === count && (!awaitReceipts || confirmed === count)) onAll();
		};
		b.on('message', (_topic, payload) => {
			const at = wallMs();
			const id = (JSON.parse(payload.toString()) as {message_id: string}).message_id;
			const sent = sentAt.get(id);
			if (sent === undefined) return;
			samples.delivered.push(at - sent);
			delivered++;
			check();
		});
		a.on('message', (_topic, payload) => {
			const at = wallMs();
			const receipt = JSON.parse(payload.toString()) as {message_id: string; status: string};
			const sent = sentAt.get(receipt.message_id);
			if (sent === undefined || receipt.status !== 'received_by_server') return;
			samples.confirmed.push(at - sent);
			confirmed++;
			check();
		});
		await b.subscribeAsync(topicFor(topicBase, receiver, '+'), {qos: 1});
		if (awaitReceipts) await a.subscribeAsync(topicFor(topicBase, sender, SERVER_ID), {qos: 1});
		const started = wallMs();
		for (let i = 0; i < count; i++) {
			// Open loop on a schedule: message i leaves at started + i × 5 ms, whatever came back.
			const due = started + (i * 1000) / RATE;
			const wait = due - wallMs();
			if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
			const message = messages[i]!;
			const at = wallMs();
			sentAt.set(message.message_id, at);
			a.publish(topicFor(topicBase, receiver, sender), payloadOf(message, new Date().toISOString()), {qos: 1}, () => samples.puback.push(wallMs() - at));
		}
		await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 15_000))]);
		samples.missing = {delivered: count - delivered, confirmed: awaitReceipts ? count - confirmed : 0};
		samples.loadavg1 = loadavg()[0]!;
		return samples;
	} finally {
		await Promise.all([a.endAsync(), b.endAsync()]);
	}
}

const stat = (values: number[]) => (values.length ? `${round(percentile(values, 50), 2)} / ${round(percentile(values, 99), 2)}` : '—');

/** The latency section: raw (broker only) and chat (with the ingester) rounds, interleaved. */
export async function runLatencySection(services: BenchServices): Promise<BenchSection> {
	const problem = ingestProblem();
	if (problem) throw new Error(problem);
	const count = Number(process.env.BENCH_LATENCY_MESSAGES ?? (services.quick ? 400 : 2_000));
	const rounds = roundsFor(services);
	const ctx: ModeContext = {services, messages: count, publishers: 1, template: 'bench_latency_template'};
	await createTemplate(services, ctx.template);
	services.log(`latency: ${count} messages at ${RATE} msg/s per round, ${rounds} interleaved rounds of raw and chat`);
	const raw: Samples[] = [];
	const chat: Samples[] = [];
	for (let r = 0; r < rounds; r++) {
		for (const mode of r % 2 ? ['chat', 'raw'] : ['raw', 'chat']) {
			const runId = randomUUID().slice(0, 6);
			const topicBase = `bench/${runId}`;
			if (mode === 'raw') {
				raw.push(await sendAtRate(services, topicBase, runId, count, false));
			} else {
				const database = await freshDatabase(ctx);
				try {
					const ingester = await startIngester(ctx, database.url, topicBase, `hermes-ingest-${runId}`);
					try {
						chat.push(await sendAtRate(services, topicBase, runId, count, true));
					} finally {
						await ingester.child.stop(30_000);
					}
				} finally {
					await database.drop();
				}
			}
			const last = (mode === 'raw' ? raw : chat).at(-1)!;
			services.log(`  round ${r + 1}/${rounds} ${mode}: PUBACK p50/p99 ${stat(last.puback)} ms, delivered ${stat(last.delivered)}, ✓ ${stat(last.confirmed)}`);
		}
	}
	const all = (rs: Samples[], key: 'puback' | 'delivered' | 'confirmed') => rs.flatMap((s) => s[key]);
	const figures = (rs: Samples[]) => ({
		puback: {p50: round(percentile(all(rs, 'puback'), 50), 3), p99: round(percentile(all(rs, 'puback'), 99), 3)},
		delivered: {p50: round(percentile(all(rs, 'delivered'), 50), 3), p99: round(percentile(all(rs, 'delivered'), 99), 3)},
		confirmed: {p50: round(percentile(all(rs, 'confirmed'), 50), 3), p99: round(percentile(all(rs, 'confirmed'), 99), 3)},
		missing: rs.reduce((sum, s) => ({delivered: sum.delivered + s.missing.delivered, confirmed: sum.confirmed + s.missing.confirmed}), {delivered: 0, confirmed: 0}),
	});
	const rawFigures = figures(raw);
	const chatFigures = figures(chat);
	const markdown = [
		`### Latency at ${RATE} msg/s (QoS 1, ~300 bytes, ${count} messages per round, ${rounds} interleaved rounds)`,
		'',
		'| ms, p50 / p99 | raw: broker only | chat: `hermes-chat ingest` running |',
		'| --- | --- | --- |',
		`| send → PUBACK (raw QoS 1 round trip) | ${stat(all(raw, 'puback'))} | ${stat(all(chat, 'puback'))} |`,
		`| send → delivered to a second client | ${stat(all(raw, 'delivered'))} | ${stat(all(chat, 'delivered'))} |`,
		`| send → ✓ (receipt after COMMIT) | — | **${stat(all(chat, 'confirmed'))}** |`,
		'',
		`Delivered p99 with the ingester ÷ raw PUBACK p99: ${round(chatFigures.delivered.p99 / rawFigures.puback.p99, 2)}×; ✓ p99 ÷ raw PUBACK p99: ${round(chatFigures.confirmed.p99 / rawFigures.puback.p99, 1)}×. ` +
			`Missing: ${chatFigures.missing.delivered + rawFigures.missing.delivered} deliveries, ${chatFigures.missing.confirmed} ✓.`,
		'',
	].join('\n');
	return {id: 'latency', markdown, data: {rate: RATE, count, rounds, raw: rawFigures, chat: chatFigures, rounds_: {raw: raw.map(summary), chat: chat.map(summary)}}};
}

function summary(s: Samples) {
	const p = (v: number[]) => ({p50: round(percentile(v, 50), 3), p99: round(percentile(v, 99), 3)});
	return {puback: p(s.puback), delivered: p(s.delivered), confirmed: p(s.confirmed), missing: s.missing, loadavg1: s.loadavg1};
}
