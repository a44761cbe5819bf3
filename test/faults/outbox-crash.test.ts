// Fault scenarios on the client's outbox: a crash with messages waiting, a crash in the very tick
// they are shown queued, two clients of one user, and a full disk under the outbox (a 16 KiB
// tmpfs). Clients are the project's own (chat-process.ts); ingesters are `hermes-chat ingest`.
import {execFile} from 'node:child_process';
import {rm, mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterEach, describe, expect, it} from 'vitest';
import {createTestDatabase} from '../helpers/db.js';
import {TEST_MQTT_URL} from '../helpers/targets.js';
import {printOutcome, report} from './helpers/checker.js';
import {outboxIds} from './helpers/outbox-dir.js';
import {ChatProcess, IngesterProcess, SCENARIO_MS, WAIT_MS} from './helpers/processes.js';
import {freshTopicBase, observe, sharedServicesProblem, shouldSkip} from './helpers/scenario.js';
import {faultsTempDir} from './helpers/services.js';

const run = promisify(execFile);
const problem = await sharedServicesProblem();

/**
 * Poll the outbox folder `dir` every 100 ms until its files hold every id in `ids`; with
 * `isAdoptableOnly`, in files a client starting now adopts (a killed client's lock is stale
 * after 10 s: until then the next client would leave its file alone).
 */
async function waitForOutbox(dir: string, ids: string[], isAdoptableOnly: boolean): Promise<void> {
	const deadline = Date.now() + WAIT_MS;
	for (;;) {
		const held = await outboxIds(dir, isAdoptableOnly);
		if (ids.every((id) => held.has(id))) return;
		if (Date.now() > deadline) throw new Error(`${dir} never held all ${ids.length} ids${isAdoptableOnly ? ' unlocked' : ''} (has ${held.size})`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

describe.skipIf(shouldSkip(problem))(`client outbox faults${problem ? ` (skipped: ${problem})` : ''}`, () => {
	const cleanups: Array<() => Promise<unknown>> = [];
	afterEach(async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
	});

	async function setUp() {
		if (problem) throw new Error(`services required (HERMES_REQUIRE_SERVICES=1) but ${problem}`);
		const db = await createTestDatabase();
		cleanups.push(() => db.drop());
		const home = await faultsTempDir('outbox');
		cleanups.push(() => rm(home, {recursive: true, force: true}));
		return {home, services: {mqttUrl: TEST_MQTT_URL, databaseUrl: db.url, topicBase: freshTopicBase()}};
	}

	function track<T extends {kill(): Promise<void>}>(process: T): T {
		cleanups.push(() => process.kill());
		return process;
	}

	/**
	 * Wait until `ids` (messages of clients that were killed or quit) are in files of `outboxDir`
	 * the next client adopts, start the ingester, then a new run of `userId` on `outboxDir`; wait
	 * for ✓ on all it restores.
	 */
	async function restartAndDrain(services: {mqttUrl: string; databaseUrl: string; topicBase: string}, userId: string, outboxDir: string, ids: string[]) {
		await waitForOutbox(outboxDir, ids, true);
		track(await IngesterProcess.start(services));
		const next = track(await ChatProcess.start({...services, userId, outboxDir, resendAfterMs: 1_000, maxResendAfterMs: 2_000}));
		await next.allAcked();
		return next;
	}

	it('kill -9 of a client with 200 messages in its outbox: the next run sends them, each stored once', async () => {
		const started = Date.now();
		const {home, services} = await setUp();
		const outboxDir = join(home, 'outbox', 'alice');
		// No ingester yet: nothing is confirmed, everything waits in the outbox.
		const alice = track(await ChatProcess.start({...services, userId: 'alice', outboxDir}));
		await alice.send('bob', 'crash', 200);
		await waitForOutbox(outboxDir, [...alice.sent.keys()], false);
		await alice.kill();
		const next = await restartAndDrain(services, 'alice', outboxDir, [...alice.sent.keys()]);
		expect(next.restored, 'the next run restored every message').toBe(200);
		report('client kill -9, 200 in the outbox', await observe(services.databaseUrl, [alice, next], new Set()), Date.now() - started);
	}, SCENARIO_MS);

	// Was broken on the old main (the outbox file was written asynchronously, after ◷ was shown):
	// now each message is fsync'd to this client's file before `message-sent`.
	it('a crash in the very tick 50 messages are shown queued loses none of them', async () => {
		const started = Date.now();
		const {home, services} = await setUp();
		const outboxDir = join(home, 'outbox', 'alice');
		const alice = track(await ChatProcess.start({...services, userId: 'alice', outboxDir}));
		alice.command({cmd: 'send-and-crash', to: 'bob', prefix: 'tick', count: 50});
		await alice.exited;
		expect(alice.sent.size, 'all 50 were shown queued before the crash').toBe(50);
		const next = await restartAndDrain(services, 'alice', outboxDir, [...alice.sent.keys()]);
		expect(next.restored, 'the next run restored every message').toBe(50);
		report('client crash in the tick of a 50-burst', await observe(services.databaseUrl, [alice, next], new Set()), Date.now() - started);
	}, SCENARIO_MS);

	// Was broken on the old main (both clients shared `outbox/<user>.json`, the last writer won):
	// now each running client has its own locked file in `outbox/<user>/`.
	it('two clients of one user, both quitting with messages unconfirmed: the next run sends all of them', async () => {
		const started = Date.now();
		const {home, services} = await setUp();
		const outboxDir = join(home, 'outbox', 'alice');
		const first = track(await ChatProcess.start({...services, userId: 'alice', outboxDir}));
		const second = track(await ChatProcess.start({...services, userId: 'alice', outboxDir}));
		await first.send('bob', 'laptop', 50);
		await second.send('bob', 'desktop', 50);
		await first.close();
		await second.close();
		const next = await restartAndDrain(services, 'alice', outboxDir, [...first.sent.keys(), ...second.sent.keys()]);
		expect(next.restored, 'the next run restored both clients\' messages').toBe(100);
		report('two clients of one user, 2 × 50 unconfirmed', await observe(services.databaseUrl, [first, second, next], new Set()), Date.now() - started);
	}, SCENARIO_MS);

	// Was broken on the old main (failed outbox writes were only logged). The contract checked:
	// every message is stored after the crash, or the client raised its standing outbox warning
	// (`outbox-problem-changed` with a problem, shown until a write succeeds) before it.
	it('a full disk under the outbox: a crash loses nothing the user was not warned about', async () => {
		const started = Date.now();
		const {home, services} = await setUp();
		const disk = join(home, 'disk');
		await mkdir(disk);
		try {
			await run('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', disk]);
		} catch (error) {
			// Only without the right to mount (not root, or a container without CAP_SYS_ADMIN).
			console.warn(`[faults] full disk skipped: cannot mount a tmpfs (${(error as Error).message.split('\n')[0]})`);
			return;
		}
		cleanups.push(() => run('umount', ['-l', disk]));
		const outboxDir = join(disk, 'alice');
		const alice = track(await ChatProcess.start({...services, userId: 'alice', outboxDir}));
		// ~300 bytes a message: the list outgrows 16 KiB after ~50 of them.
		await alice.send('bob', 'full', 120);
		// The outbox is over the disk's size once the client has reported a failed write.
		await alice.waitFor('a failed outbox write', () => alice.outboxProblems.some((p) => p !== undefined));
		// Warned: the standing outbox warning is up when the crash comes (not cleared by a later write).
		const warning = alice.outboxProblems.at(-1);
		const isWarned = warning !== undefined && /outbox|disk|space|saved/i.test(warning);
		await alice.kill();
		// Only what reached the disk can be adopted; wait for it (the killed client's lock goes stale).
		const onDisk = [...(await outboxIds(outboxDir, false))];
		const next = await restartAndDrain(services, 'alice', outboxDir, onDisk);
		const outcome = await observe(services.databaseUrl, [alice, next], new Set());
		const line = printOutcome(`full disk under the outbox (16 KiB tmpfs), crash${isWarned ? ', user warned' : ''}`, outcome, Date.now() - started);
		expect(outcome.duplicated + outcome.unexpected, line).toBe(0);
		if (!isWarned) expect(outcome.lost, `${line}; no warning was shown`).toBe(0);
	}, SCENARIO_MS);
});
