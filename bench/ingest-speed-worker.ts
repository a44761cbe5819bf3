// One process of bench/ingest-speed.ts: a publisher (v1 messages at QoS 1, open loop, then waits
// for every ✓ when asked) or a sink (the baselines: count what the broker passes through, or
// one autocommit INSERT per message). Prints one JSON line on stdout when done: its CPU (µs,
// process.cpuUsage over the measured phase) and counters. Benchmarks may import mqtt and pg.
//   publisher <mqttUrl> <base> <from> <count> <awaitReceipts 0|1> [ratePerSecond: paced, reports send → ✓ ms]
//   sink <mqttUrl> <base> <count> passthrough|insert [databaseUrl]
import mqtt from 'mqtt';
import pg from 'pg';

const [role, mqttUrl, base, ...rest] = process.argv.slice(2);

async function connect(clientId: string) {
	const client = await mqtt.connectAsync(mqttUrl!, {protocolVersion: 5, clientId, clean: true, reconnectPeriod: 0});
	// Without TCP_NODELAY each round trip waits ~40 ms for delayed ACKs (issue 12).
	(client.stream as {setNoDelay?: (on: boolean) => void}).setNoDelay?.(true);
	return client;
}

function done(result: Record<string, unknown>, cpuFrom: NodeJS.CpuUsage): void {
	const cpu = process.cpuUsage(cpuFrom);
	process.stdout.write(`${JSON.stringify({...result, cpuUs: cpu.user + cpu.system})}\n`);
}

async function publisher(from: string, count: number, awaitReceipts: boolean, ratePerSecond = 0): Promise<void> {
	const sentAtMs = new Map<string, number>();
	const latencies: number[] = [];
	const client = await connect(`pub-${from}`);
	const unconfirmed = new Map<string, string>();
	const topic = `${base}/peer/${from}`;
	let confirmed = 0;
	let republished = 0;
	const allConfirmed = new Promise<void>((resolve) => {
		if (!awaitReceipts) return resolve();
		client.on('message', (_topic, bytes) => {
			const id = (JSON.parse(bytes.toString()) as {message_id: string}).message_id;
			const at = sentAtMs.get(id);
			if (at !== undefined && unconfirmed.has(id)) latencies.push(performance.now() - at);
			if (unconfirmed.delete(id) && ++confirmed === count) resolve();
		});
	});
	if (awaitReceipts) await client.subscribeAsync(`${base}/${from}/server`, {qos: 1});
	// The driver starts the clock when every process is ready: wait for its "go" on stdin.
	process.stdout.write('ready\n');
	await new Promise((resolve) => process.stdin.once('data', resolve));
	const cpuFrom = process.cpuUsage();
	const cpuStart = performance.now();
	const sentAt = new Date().toISOString();
	const published: Promise<unknown>[] = [];
	for (let i = 0; i < count; i++) {
		const id = `${from}-${i}`;
		const payload = JSON.stringify({
			type: 'message', message_id: id, sender_id: from, sender_name: `Bench ${from}`, receiver_id: 'peer',
			// ~300 bytes on the wire, as in issue 12.
			content: `benchmark message ${i} `.padEnd(180, 'lorem ipsum '), timestamp: sentAt,
		});
		if (awaitReceipts) unconfirmed.set(id, payload);
		if (ratePerSecond > 0) {
			// Paced (open loop at a fixed rate): wait for this message's slot, then time it to its ✓.
			const due = cpuStart + (i * 1000) / ratePerSecond;
			const wait = due - performance.now();
			if (wait > 0) await new Promise((r) => setTimeout(r, wait));
			sentAtMs.set(id, performance.now());
		}
		published.push(client.publishAsync(topic, payload, {qos: 1}));
		// Let the socket drain now and then so memory stays bounded (still open loop: no ✓ awaited).
		if (i % 2_000 === 1_999) await Promise.all(published.splice(0));
	}
	await Promise.all(published);
	let lastConfirmed = -1;
	const stall = setInterval(() => {
		// An ingester that lost something: re-publish what is unconfirmed, as the chat's outbox does.
		if (confirmed !== lastConfirmed) return void (lastConfirmed = confirmed);
		for (const [, payload] of unconfirmed) (republished++, client.publish(topic, payload, {qos: 1}));
	}, 5_000);
	await allConfirmed;
	clearInterval(stall);
	latencies.sort((a, b) => a - b);
	const at = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN) * 10) / 10;
	done({from, published: count, confirmed, republished, ...(ratePerSecond > 0 ? {p50Ms: at(50), p99Ms: at(99)} : {})}, cpuFrom);
	await client.endAsync();
}

async function sink(count: number, mode: string, databaseUrl?: string): Promise<void> {
	const client = await connect(`sink-${process.pid}`);
	const db = mode === 'insert' ? new pg.Client(databaseUrl) : undefined;
	await db?.connect();
	let received = 0;
	let cpuFrom = process.cpuUsage();
	let queue = Promise.resolve();
	const finished = new Promise<void>((resolve) => {
		client.on('message', (_topic, bytes) => {
			if (!db) return void (++received === count && resolve());
			// The source system's way: one autocommit INSERT per message, in arrival order.
			const m = JSON.parse(bytes.toString()) as Record<string, string>;
			queue = queue.then(async () => {
				await db.query(
					`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, message_type, conversation_id)
					 VALUES ($1, $2, $3, $4, $5, 'text', $6) ON CONFLICT (message_id, sender_id) DO NOTHING`,
					[m.message_id, m.sender_id, m.sender_name, m.receiver_id, m.content, `${m.receiver_id}:${m.sender_id}`]);
				if (++received === count) resolve();
			});
		});
	});
	await client.subscribeAsync(`${base}/+/+`, {qos: 1});
	process.stdout.write('ready\n');
	await new Promise((resolve) => process.stdin.once('data', resolve));
	cpuFrom = process.cpuUsage();
	await finished;
	done({received}, cpuFrom);
	await db?.end();
	await client.endAsync();
}

if (role === 'publisher') await publisher(rest[0]!, Number(rest[1]), rest[2] === '1', Number(rest[3] ?? 0));
else if (role === 'sink') await sink(Number(rest[0]), rest[1]!, rest[2]);
else throw new Error(`unknown role ${role}`);
process.exit(0);
