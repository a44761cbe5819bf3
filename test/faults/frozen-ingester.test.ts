// Fault scenario: one of three ingesters frozen (SIGSTOP) inside an open transaction. It is
// frozen at a chosen point: the test holds an uncommitted row with message id X, ingester N's
// batch INSERT of X waits on it, the test freezes N and rolls back — N's transaction now holds X
// and is never committed. The sender resends X to the other ingesters; meanwhile alice sends
// 300 messages. Everything must be stored while N is still frozen.
import {readdir, readFile, readlink} from 'node:fs/promises';
import pg from 'pg';
import {afterEach, describe, it} from 'vitest';
import {createTestDatabase} from '../helpers/db.js';
import {Sender} from '../helpers/sender.js';
import {TEST_MQTT_URL} from '../helpers/targets.js';
import {report} from './helpers/checker.js';
import {ChatProcess, IngesterProcess, SCENARIO_MS, WAIT_MS} from './helpers/processes.js';
import {freshTopicBase, observe, sharedServicesProblem, shouldSkip} from './helpers/scenario.js';

const problem = await sharedServicesProblem();

/** Which of `pids` owns the local TCP socket bound to `port` (via /proc/net/tcp and /proc/<pid>/fd). */
async function pidOfLocalPort(port: number, pids: number[]): Promise<number | undefined> {
	const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
	const table = await readFile('/proc/net/tcp', 'utf8').catch(() => '');
	const inode = table.split('\n').map((line) => line.trim().split(/\s+/)).find((cols) => cols[1]?.endsWith(hex))?.[9];
	if (!inode) return undefined;
	for (const pid of pids) {
		const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
		for (const fd of fds) {
			if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === `socket:[${inode}]`) return pid;
		}
	}
	return undefined;
}

describe.skipIf(shouldSkip(problem))(`frozen ingester${problem ? ` (skipped: ${problem})` : ''}`, () => {
	const cleanups: Array<() => Promise<unknown>> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
	});

	// NOT DONE (skipped, not a result): on this machine the set-up never reaches the freeze point
	// — no ingester backend is ever seen waiting on the held row (pg_stat_activity, wait_event_type
	// Lock) — so the scenario cannot yet say anything. Expected to fail on today's main once it does
	// (issue 11, outcome 4, "ingester" engineer: no statement / lock / idle-in-transaction timeout),
	// then to be marked it.fails until the timeouts land.
	it.skip('SIGSTOP of one of three ingesters holding an open transaction: the other two store everything meanwhile', async () => {
		if (problem) throw new Error(`services required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		const started = Date.now();
		const db = await createTestDatabase();
		cleanups.push(() => db.drop());
		const services = {mqttUrl: TEST_MQTT_URL, databaseUrl: db.url, topicBase: freshTopicBase()};
		const ingesters: IngesterProcess[] = [];
		for (const n of [1, 2, 3]) {
			const ingester = await IngesterProcess.start({...services, flags: n === 1 ? [] : ['--no-migrate']}, `ingester ${n}`);
			cleanups.push(() => ingester.kill());
			ingesters.push(ingester);
		}
		const holder = new pg.Client({connectionString: db.url});
		holder.on('error', () => undefined);
		await holder.connect();
		cleanups.push(() => holder.end());
		const bob = await Sender.connect(services, 'bob');
		cleanups.push(() => bob.close());
		const x = bob.message('alice', 'x', {content: 'the held one'});
		await holder.query('BEGIN');
		await holder.query(
			`INSERT INTO chat_messages (message_id, sender_id, sender_name, receiver_id, content, conversation_id) VALUES ($1, 'bob', 'Bob', 'alice', 'held', 'alice:bob')`,
			[x.message_id],
		);
		await bob.publish('alice', x);
		// Wait (condition, bounded) until one ingester's INSERT waits on our row, and find which.
		let frozen: IngesterProcess | undefined;
		const deadline = Date.now() + WAIT_MS;
		while (!frozen && Date.now() < deadline) {
			const {rows} = await holder.query<{port: number}>(
				`SELECT client_port AS port FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'hermes-chat ingest'`,
			);
			for (const {port} of rows) {
				const pid = await pidOfLocalPort(port, ingesters.map((i) => i.pid));
				frozen = ingesters.find((i) => i.pid === pid);
			}
			if (!frozen) await new Promise((resolve) => setTimeout(resolve, 100));
		}
		if (!frozen) throw new Error('no ingester ever waited on the held row');
		frozen.signal('SIGSTOP');
		cleanups.push(async () => frozen.signal('SIGCONT'));
		await holder.query('ROLLBACK');
		// The frozen ingester's transaction now holds X. The sender resends X (as every client does
		// until ✓), so the live ingesters meet it too; alice's traffic goes on.
		const alice = await ChatProcess.start({...services, userId: 'alice', resendAfterMs: 1_000, maxResendAfterMs: 2_000});
		cleanups.push(() => alice.kill());
		alice.command({cmd: 'send', to: 'bob', prefix: 'frozen', count: 300});
		const resending = bob.resendUntilConfirmed('alice', [x], 1_000, 60).catch(() => undefined);
		// A liveness bound with the ingester still frozen: seconds are expected, not hours.
		await alice.allAcked(60_000).catch(() => undefined);
		const outcome = await observe(db.url, [alice], new Set());
		report('SIGSTOP 1 of 3 ingesters mid-transaction (300 + held id)', outcome, Date.now() - started);
		await resending;
	}, SCENARIO_MS);
});
