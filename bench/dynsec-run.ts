// `npx tsx bench/dynsec-run.ts`: what Mosquitto's dynamic-security plugin costs (issue 9), each
// against a baseline in the same run; writes bench/results/dynsec.{json,md}. Needs the machine's
// mosquitto, mosquitto_ctrl and the plugin (no PostgreSQL).
// (a) `account create` round trip (createRole + modifyRole + createClient; the plugin rewrites its
//     whole JSON file on every change) with few accounts vs with BENCH_DYNSEC_ACCOUNTS (2000);
// (b) QoS 1 round trip of an account publishing to its own inbox through its role's ACLs (publish,
//     subscribe and receive checked) vs the same on an anonymous private Mosquitto without the plugin;
// (c) that round trip while accounts are being created back to back vs idle: Mosquitto is one
//     thread, so the plugin's file rewrite holds every client's traffic meanwhile.
import {randomUUID} from 'node:crypto';
import {mkdir, stat, writeFile} from 'node:fs/promises';
import {cpus, loadavg} from 'node:os';
import {connectBroker, type BrokerConnection} from '../src/live/connect.js';
import {createDynsecBackend, setupDynsec} from '../src/live/dynsec.js';
import {silentLogger} from '../src/log.js';
import {HAS_DYNSEC, startDynsecBroker} from '../test/helpers/dynsec-broker.js';
import {percentile, round} from './lib.js';
import {freePort, startPrivateBroker} from './private-broker.js';

const ACCOUNTS = Number(process.env.BENCH_DYNSEC_ACCOUNTS ?? 2000);
const SAMPLES = Number(process.env.BENCH_DYNSEC_SAMPLES ?? 100);
const ROUND_TRIPS = Number(process.env.BENCH_DYNSEC_ROUND_TRIPS ?? 400);
const RESULTS = new URL('./results/', import.meta.url);
const base = 'chat/messages';

const summary = (samples: number[]) => ({medianMs: round(percentile(samples, 50), 3), p99Ms: round(percentile(samples, 99), 3)});

/** One QoS 1 publish to a topic the client subscribes to: PUBACK and the delivery, in ms. */
async function roundTrip(connection: BrokerConnection, topic: string, payload: string): Promise<number> {
	const started = performance.now();
	const echoed = new Promise<void>((resolve) => connection.client.once('message', () => resolve()));
	await Promise.all([connection.client.publishAsync(topic, payload, {qos: 1}), echoed]);
	return performance.now() - started;
}

if (!HAS_DYNSEC) {
	process.stderr.write('bench: skipped — mosquitto, mosquitto_ctrl or the dynamic-security plugin is missing\n');
	process.exitCode = 1;
} else {
	const startedAt = new Date().toISOString();
	const broker = await startDynsecBroker();
	const plain = await startPrivateBroker(await freePort(), process.env.BENCH_TMP ?? '/tmp/hermes-bench');
	const adminUrl = broker.url(broker.adminUser, broker.adminPassword);
	try {
		await setupDynsec({adminUrl, topicBase: base, sharedGroup: 'hermes-ingest', ingester: {username: 'ingester', password: randomUUID()}, logger: silentLogger()});
		const accounts = await createDynsecBackend({adminUrl, topicBase: base, logger: silentLogger()});
		const timedCreate = async (userId: string) => {
			const started = performance.now();
			await accounts.create(userId, `password-${userId}`);
			return performance.now() - started;
		};
		process.stderr.write(`bench: dynsec, ${SAMPLES} creates on an empty plugin, then up to ${ACCOUNTS} accounts…\n`);
		const fewSamples: number[] = [];
		for (let i = 0; i < SAMPLES; i++) fewSamples.push(await timedCreate(`u${i}`));
		const fillStarted = performance.now();
		for (let i = SAMPLES; i < ACCOUNTS; i++) await timedCreate(`u${i}`);
		const fillMs = performance.now() - fillStarted;
		const manySamples: number[] = [];
		for (let i = 0; i < SAMPLES; i++) manySamples.push(await timedCreate(`v${i}`));
		const fileBytes = (await stat(broker.configFile)).size;

		process.stderr.write(`bench: dynsec, ${ROUND_TRIPS} QoS 1 round trips each, interleaved, plugin vs anonymous…\n`);
		const withPlugin = await connectBroker({url: broker.url('u1', 'password-u1'), clientId: 'bench-u1'});
		const withoutPlugin = await connectBroker({url: plain.url, clientId: 'bench-u1'});
		const topic = `${base}/u1/u1`;
		await withPlugin.client.subscribeAsync(`${base}/u1/#`, {qos: 1});
		await withoutPlugin.client.subscribeAsync(`${base}/u1/#`, {qos: 1});
		const payload = JSON.stringify({type: 'message', content: 'x'.repeat(120)});
		const pluginSamples: number[] = [];
		const plainSamples: number[] = [];
		for (let i = 0; i < ROUND_TRIPS; i++) {
			pluginSamples.push(await roundTrip(withPlugin, topic, payload));
			plainSamples.push(await roundTrip(withoutPlugin, topic, payload));
		}
		process.stderr.write(`bench: dynsec, ${ROUND_TRIPS} round trips while accounts are created back to back…\n`);
		let isCreating = true;
		let createdMeanwhile = 0;
		const creator = (async () => {
			while (isCreating) await accounts.create(`w${createdMeanwhile++}`, 'password-w');
		})();
		const busySamples: number[] = [];
		for (let i = 0; i < ROUND_TRIPS; i++) busySamples.push(await roundTrip(withPlugin, topic, payload));
		isCreating = false;
		await creator;
		await accounts.close();
		await Promise.all([withPlugin.client.endAsync(), withoutPlugin.client.endAsync()]);

		const create = {few: summary(fewSamples), many: summary(manySamples), accounts: ACCOUNTS + SAMPLES, fileBytes, fillMs: Math.round(fillMs)};
		const qos = {plugin: summary(pluginSamples), plain: summary(plainSamples), roundTrips: ROUND_TRIPS};
		const busy = {...summary(busySamples), maxMs: round(Math.max(...busySamples), 3), createdMeanwhile};
		const environment = {node: process.version, cpus: cpus().length, loadAverage: loadavg().map((l) => round(l))};
		const markdown = [
			`#### Mosquitto dynamic security (\`npx tsx bench/dynsec-run.ts\`; private Mosquitto 2.0.11 with the plugin)`,
			'',
			'| measure | baseline | with the plugin | ratio |',
			'| --- | --- | --- | --- |',
			`| \`account create\`, median ms (p99) | ${create.few.medianMs} (${create.few.p99Ms}) with ≤ ${SAMPLES} accounts | ${create.many.medianMs} (${create.many.p99Ms}) with ${ACCOUNTS}+ accounts | **${round(create.many.medianMs / create.few.medianMs)}** |`,
			`| QoS 1 round trip to my own inbox, median ms (p99) | ${qos.plain.medianMs} (${qos.plain.p99Ms}) anonymous, no plugin | ${qos.plugin.medianMs} (${qos.plugin.p99Ms}) as an account, ${ACCOUNTS}+ accounts | **${round(qos.plugin.medianMs / qos.plain.medianMs)}** |`,
			`| the same round trip while accounts are created back to back, p99 ms (max) | ${qos.plugin.p99Ms} idle | ${busy.p99Ms} (${busy.maxMs}), ${createdMeanwhile} created meanwhile | **${round(busy.p99Ms / qos.plugin.p99Ms)}** |`,
			'',
			`Creating ${ACCOUNTS - SAMPLES} accounts one after another took ${round(fillMs / 1000, 1)} s; the plugin's file then held ${create.accounts} accounts in ${Math.round(fileBytes / 1024)} KiB (it is rewritten whole on every change).`,
			'',
			`_${startedAt}, Node ${process.version}, ${cpus().length} CPUs, load average ${environment.loadAverage.join(' / ')}._`,
			'',
		].join('\n');
		await mkdir(RESULTS, {recursive: true});
		await writeFile(new URL('dynsec.json', RESULTS), `${JSON.stringify({startedAt, environment, create, qos, busy}, null, 2)}\n`);
		await writeFile(new URL('dynsec.md', RESULTS), markdown);
		process.stdout.write(markdown);
	} finally {
		await broker.stop();
		await plain.stop();
	}
}
