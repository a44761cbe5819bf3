// Self sign-up (issue 9): a private Mosquitto with the dynamic-security plugin set up by
// `hermes-chat account setup-broker` with a sign-up password, the real PostgreSQL, and a real
// `hermes-chat ingest` process — with and without --allow-signup.
import {execFile} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {promisify} from 'node:util';
import pg from 'pg';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {scramVerifier} from '../../src/accounts/password.js';
import {accountUrls} from '../../src/cli/credentials.js';
import {checkLogin} from '../../src/client/login-check.js';
import {connectBroker, type BrokerConnection} from '../../src/live/connect.js';
import {requestSignup} from '../../src/live/signup-link.js';
import {createTestDatabase, isPostgresReachable, type TestDatabase} from '../helpers/db.js';
import {HAS_DYNSEC, startDynsecBroker, type DynsecBroker} from '../helpers/dynsec-broker.js';
import {spawnIngest, type IngestProcess} from '../helpers/ingest-process.js';

const CLI = new URL('../../dist/cli/main.js', import.meta.url).pathname;
const run = promisify(execFile);
/** MQTT 5 reason code "Not authorized" (MQTT 5.0 §2.4), in PUBACK and SUBACK. */
const NOT_AUTHORIZED = 0x87;
const base = 'chat/messages';
const hasPostgres = await isPostgresReachable();

describe.skipIf(!HAS_DYNSEC || !hasPostgres)('self sign-up through the broker client `signup` and the ingester', () => {
	let broker: DynsecBroker;
	let db: TestDatabase;
	let ingest: IngestProcess | undefined;
	const ingesterPassword = `ingester-${randomUUID()}`;
	const signupPassword = `signup-${randomUUID()}`;
	const connections: BrokerConnection[] = [];
	const created: string[] = [];
	const adminUrl = () => broker.url(broker.adminUser, broker.adminPassword);
	const env = () => ({MQTT_URL: broker.url('ingester', ingesterPassword), DATABASE_URL: db.url, MQTT_TOPIC: base});
	const signUp = (userId: string, password: string, timeoutMs = 10_000) =>
		requestSignup({mqttUrl: broker.url('signup', signupPassword), topicBase: base, userId, password, timeoutMs});
	const newId = (name: string) => {
		const id = `${name}${randomUUID().slice(0, 8)}`;
		created.push(id);
		return id;
	};

	async function startIngest(args: string[], extraEnv: Record<string, string> = {}): Promise<IngestProcess> {
		const child = spawnIngest(args, {...env(), ...extraEnv});
		await child.waitForLog((line) => line.msg === 'ingester running');
		return child;
	}

	async function stopIngest(): Promise<void> {
		if (!ingest) return;
		ingest.child.kill('SIGTERM');
		await ingest.exited;
		ingest = undefined;
	}

	async function asSignup(): Promise<BrokerConnection> {
		const connection = await connectBroker({url: broker.url('signup', signupPassword), clientId: `signup-${randomUUID().slice(0, 8)}`, reconnectPeriodMs: 0});
		connections.push(connection);
		return connection;
	}

	beforeAll(async () => {
		broker = await startDynsecBroker();
		db = await createTestDatabase();
		const {stdout} = await run(process.execPath, [CLI, 'account', 'setup-broker'], {
			env: {...process.env, MQTT_ADMIN_URL: adminUrl(), INGESTER_MQTT_PASSWORD: ingesterPassword, HERMES_SIGNUP_PASSWORD: signupPassword},
		});
		expect(stdout).toContain('role hermes-signup: created');
		expect(stdout).toContain('client signup: created with role hermes-signup');
	});

	afterAll(async () => {
		ingest?.kill();
		await Promise.all(connections.map((c) => c.client.endAsync(true)));
		await broker?.stop();
		await db?.drop();
		// Login roles are cluster-wide: remove the ones sign-up made on the machine's PostgreSQL.
		if (created.length) {
			const admin = new pg.Client({connectionString: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test'});
			await admin.connect();
			for (const id of created) await admin.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(id)}`).catch(() => {});
			await admin.end();
		}
	});

	it('refuses --allow-signup without MQTT_ADMIN_URL in one line', async () => {
		const child = spawnIngest(['--allow-signup'], {...env(), MQTT_ADMIN_URL: ''});
		const {code} = await child.exited;
		expect(code).not.toBe(0);
		expect(child.otherOutput.join('\n')).toMatch(/--allow-signup needs the broker admin/);
		expect(child.otherOutput.filter((line) => line.startsWith('hermes-chat:'))).toHaveLength(1);
	});

	it('says in one line when the broker refuses the sign-up password', async () => {
		const attempt = requestSignup({mqttUrl: broker.url('signup', 'not the signup password'), topicBase: base, userId: newId('x'), password: 'long enough pw'});
		await expect(attempt).rejects.toThrow(/^the broker refused the sign-up client: HERMES_SIGNUP_PASSWORD is wrong, or sign-up is not set up on this server$/);
	});

	it('without --allow-signup nobody answers: the request times out with one line', async () => {
		ingest = await startIngest([]);
		await expect(signUp(newId('nobody'), 'long enough pw', 1_500)).rejects.toThrow(/^no answer to the sign-up request within 1500 ms: sign-up is not allowed on this server/);
		await stopIngest();
	});

	it('with --allow-signup creates an account that logs in to PostgreSQL and the broker', async () => {
		ingest = await startIngest(['--allow-signup', '--no-migrate'], {MQTT_ADMIN_URL: adminUrl()});
		const userId = newId('newbie');
		const password = `pw ${randomUUID()} é`;
		expect(await signUp(userId, password)).toEqual({v: 1, ok: true});

		const configured = {databaseUrl: db.url.replace(/\/\/[^@/]*@/, '//'), mqttUrl: `mqtt://127.0.0.1:${broker.port}`};
		const check = (pw: string) => checkLogin({...accountUrls(configured, userId, pw), clientIdPrefix: 'test'});
		expect(await check(password)).toEqual({database: {kind: 'accepted'}, broker: {kind: 'accepted'}});
		// The broker checks the password; the machine's PostgreSQL trusts 127.0.0.1, so its stored
		// SCRAM verifier is checked against the password instead.
		expect((await check('not the password')).broker).toEqual({kind: 'refused', refusal: 'wrong-password'});
		const owner = new pg.Client({connectionString: db.url});
		await owner.connect();
		try {
			const role = await owner.query<{rolcanlogin: boolean; rolpassword: string}>('SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = $1', [userId]);
			expect(role.rows[0]?.rolcanlogin).toBe(true);
			const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(role.rows[0]!.rolpassword) ?? [];
			expect(role.rows[0]!.rolpassword).toBe(scramVerifier(password, Buffer.from(salt!, 'base64'), Number(iterations)));
			const account = await owner.query('SELECT 1 FROM accounts WHERE user_id = $1', [userId]);
			expect(account.rowCount).toBe(1);
		} finally {
			await owner.end();
		}
	});

	it('refuses a taken id, a short password and a reserved id, each with its one line', async () => {
		const userId = newId('taken');
		expect(await signUp(userId, 'first password')).toEqual({v: 1, ok: true});
		expect(await signUp(userId, 'second password')).toEqual({v: 1, ok: false, error: 'that id is taken'});
		expect(await signUp(newId('short'), 'short')).toEqual({v: 1, ok: false, error: 'a password needs at least 8 characters'});
		expect(await signUp('server', 'long enough pw')).toEqual({v: 1, ok: false, error: 'that id is reserved'});
		expect(await signUp('bad/id', 'long enough pw')).toEqual({v: 1, ok: false, error: 'not a valid id: 1–64 characters of A-Z a-z 0-9 _ . -'});
	});

	it('lets the `signup` client publish and subscribe nowhere else, nor read chat traffic', async () => {
		const signup = await asSignup();
		for (const topic of [`${base}/all/signup`, `${base}/server/signup`, `${base}/presence/signup`, `${base}/signup/reply/aaaaaaaaaaaaaaaa`, '$CONTROL/dynamic-security/v1']) {
			await expect(signup.client.publishAsync(topic, '{}', {qos: 1}), topic).rejects.toMatchObject({code: NOT_AUTHORIZED});
		}
		for (const filter of [`${base}/#`, `${base}/all/+`, `${base}/presence/+`, `${base}/signup/request`, `${base}/+/+`, '#', `$share/hermes-ingest/${base}/#`]) {
			expect(await subackCode(signup, filter), filter).toBe(NOT_AUTHORIZED);
		}
		// Chat traffic published by an account does not reach it, even on the reply filter it may hold.
		expect(await subackCode(signup, `${base}/signup/reply/+`)).toBe(1);
		const heard: string[] = [];
		signup.client.on('message', (topic) => heard.push(topic));
		const userId = newId('talker');
		expect(await signUp(userId, 'talker password')).toEqual({v: 1, ok: true});
		const talker = await connectBroker({url: broker.url(userId, 'talker password'), clientId: `${userId}-c`, reconnectPeriodMs: 0});
		connections.push(talker);
		await talker.client.publishAsync(`${base}/all/${userId}`, JSON.stringify({hello: 1}), {qos: 1});
		// A reply it may see proves delivery to it works; the chat publish before it never arrived.
		await signUp(userId, 'talker password');
		await expect.poll(() => heard.some((topic) => topic.startsWith(`${base}/signup/reply/`))).toBe(true);
		expect(heard.filter((topic) => !topic.startsWith(`${base}/signup/reply/`))).toEqual([]);
	});

	it('keeps sign-up requests out of the chat pipeline: no invalid-publish warnings, no rejected receipts', () => {
		const dropped = ingest!.lines.filter((line) => line.msg === 'dropped invalid publish' || line.msg === 'dropped publish');
		// The talker's `{hello: 1}` above is the one invalid chat publish, and proves the warning is logged.
		expect(dropped.map((line) => (line as {topic?: string}).topic)).toEqual([expect.stringMatching(/^chat\/messages\/all\/talker/)]);
		expect(ingest!.lines.filter((line) => line.msg === 'account created by sign-up').length).toBeGreaterThanOrEqual(3);
		// The password never reaches the log.
		expect(JSON.stringify(ingest!.lines)).not.toMatch(/talker password|first password|long enough pw/);
	});
});

async function subackCode(connection: BrokerConnection, filter: string): Promise<number | undefined> {
	try {
		const [grant] = await connection.client.subscribeAsync(filter, {qos: 1});
		return grant?.qos;
	} catch (error) {
		// mqtt.js 5 rejects a refused SUBSCRIBE, with the SUBACK attached.
		const granted = (error as {packet?: {granted?: Array<number | {qos: number}>}}).packet?.granted;
		const [code] = granted ?? [];
		if (code === undefined) throw error;
		return typeof code === 'number' ? code : code.qos;
	}
}
