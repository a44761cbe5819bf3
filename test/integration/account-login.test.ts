// Account mode against services that check passwords (issue 9, client side): PostgreSQL with
// scram-sha-256 and Mosquitto with a password file. The right password gets the chat client
// into both; a wrong one, a disabled account and a broker without the account are one clear line.
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {accountUrls} from '../../src/cli/credentials.js';
import {logIn} from '../../src/cli/login.js';
import {createChatClient} from '../../src/client/chat-client.js';
import {checkLogin} from '../../src/client/login-check.js';
import {silentLogger} from '../../src/log.js';
import {accountServicesProblem, startAccountServices, type AccountServices} from '../helpers/account-services.js';
import {Recorder} from '../helpers/chat-recorder.js';

const problem = accountServicesProblem();

describe.skipIf(problem !== undefined)('account login against password-checking PostgreSQL and Mosquitto', () => {
	let services: AccountServices;
	let home: string;
	const configured = () => ({databaseUrl: services.databaseUrl, mqttUrl: services.mqttUrl});
	const check = (urls: {databaseUrl: string; mqttUrl: string}) => checkLogin({...urls, clientIdPrefix: 'test'});

	beforeAll(async () => {
		services = await startAccountServices();
		await services.addAccount('alice', 'alice pw: é/@');
		await services.addAccount('carol', 'carol-pw', {isDisabled: true});
		await services.addAccount('dave', 'dave-pw-8', {isPostgresOnly: true});
		home = await mkdtemp(join(tmpdir(), 'hermes-account-login-'));
	});
	afterAll(async () => {
		await services?.stop();
		if (home) await rm(home, {recursive: true, force: true});
	});

	it('lets alice into both with her password, and the chat client connects to both', async () => {
		const urls = accountUrls(configured(), 'alice', 'alice pw: é/@');
		expect(await check(urls)).toEqual({database: {kind: 'accepted'}, broker: {kind: 'accepted'}});
		const port = await createChatClient({identity: {userId: 'alice', name: 'Alice'}, ...urls, topicBase: 'chat/messages', logger: silentLogger()});
		try {
			const recorder = new Recorder(port);
			await recorder.waitFor('connection-changed', (e) => e.service === 'broker' && e.state === 'up');
			await recorder.waitFor('connection-changed', (e) => e.service === 'database' && e.state === 'up');
			// Reading as alice works: her role has SELECT, and the conversation list loads (the migrations' room `all`).
			await port.loadConversations();
			expect((await recorder.waitFor('conversations-loaded')).conversations.map((c) => c.conversationId)).toContain('all');
			expect(recorder.events.filter((e) => e.type === 'notice')).toEqual([]);
		} finally {
			await port.close();
		}
	});

	it('classifies a wrong password on both services', async () => {
		expect(await check(accountUrls(configured(), 'alice', 'wrong'))).toEqual({
			database: {kind: 'refused', refusal: 'wrong-password'},
			broker: {kind: 'refused', refusal: 'wrong-password'},
		});
	});

	it('says "wrong password for alice" for a refused HERMES_PASSWORD, in one line, without asking', async () => {
		const said: string[] = [];
		const attempt = logIn({
			urls: configured(),
			userId: 'alice',
			home,
			env: {HERMES_PASSWORD: 'wrong'},
			isAskEveryTime: false,
			isInteractive: true,
			ask: async () => {
				throw new Error('must not ask');
			},
			check,
			say: (line) => said.push(line),
		});
		await expect(attempt).rejects.toThrow(/^wrong password for alice$/);
		expect(said).toEqual([]);
	});

	it('says "account carol is disabled or unknown" for a role without LOGIN', async () => {
		const verdict = await check(accountUrls(configured(), 'carol', 'carol-pw'));
		expect(verdict.database).toEqual({kind: 'refused', refusal: 'disabled-or-unknown'});
		const attempt = logIn({
			urls: configured(),
			userId: 'carol',
			home,
			env: {HERMES_PASSWORD: 'carol-pw'},
			isAskEveryTime: false,
			isInteractive: false,
			ask: async () => '',
			check,
			say: () => undefined,
		});
		await expect(attempt).rejects.toThrow(/^account carol is disabled or unknown$/);
	});

	it('names the broker when it refuses a password PostgreSQL accepted (no broker account)', async () => {
		const attempt = logIn({
			urls: configured(),
			userId: 'dave',
			home,
			env: {HERMES_PASSWORD: 'dave-pw-8'},
			isAskEveryTime: false,
			isInteractive: false,
			ask: async () => '',
			check,
			say: () => undefined,
		});
		await expect(attempt).rejects.toThrow(/^the MQTT broker refused account dave \(PostgreSQL accepted the password\)$/);
	});

	it('logs in with the right HERMES_PASSWORD and saves nothing (only typed passwords are saved)', async () => {
		const result = await logIn({
			urls: configured(),
			userId: 'alice',
			home,
			env: {HERMES_PASSWORD: 'alice pw: é/@'},
			isAskEveryTime: false,
			isInteractive: false,
			ask: async () => '',
			check,
			say: () => undefined,
		});
		expect(result).toMatchObject({source: 'env', isVerified: true});
		expect(new URL(result.databaseUrl).username).toBe('alice');
		expect(new URL(result.mqttUrl).username).toBe('alice');
	});
});
