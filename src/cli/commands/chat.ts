// `hermes-chat [chat]`: the full-screen chat. Wires settings, services (or the embedded
// hub), the chat client and the TUI together. Composition root: may import every layer.
import {join} from 'node:path';
import {Command} from 'commander';
import {withBrokerCredentials} from '../../live/broker-urls.js';
import {hermesHome, isEmbedded, mqttUrlProblem, MQTT_URL_HINT, resolveServiceConfig, type ServiceFlags} from '../config.js';
import {isAccountMode} from '../credentials.js';
import {AbortError} from '../errors.js';
import {examples} from '../help.js';
import type {IdentityFlags} from '../identity.js';

type ChatFlags = ServiceFlags & IdentityFlags & {askPassword?: boolean};

/** The `chat` command (the default when no command is named). */
export function chatCommand(): Command {
	return new Command('chat')
		.description('open the full-screen chat (default; starts the embedded hub when nothing is configured)')
		.option('-u, --user <id>', 'your user id (env CHAT_USER_ID; without it: the only one set up, else asked)')
		.option('-n, --name <name>', 'your display name (env CHAT_USER_NAME; saved for that user id only)')
		.option('--mqtt-url <url>', 'MQTT broker, mqtt://[user:pass@]host:port, or several of one cluster comma-separated (env MQTT_URL, MQTT_BROKER_HOST)')
		.option('--database-url <url>', 'PostgreSQL, postgres://host:port/db (account mode) or postgres://user:pass@host:port/db (env DATABASE_URL, POSTGRES_*)')
		.option('--topic <base>', 'base topic (env MQTT_TOPIC)', undefined)
		.option('--ask-password', 'account mode: ask for the password every time, save nothing (setting askPassword)')
		.addHelpText(
			'after',
			'\nNeeds a terminal: with stdin or stdout not a TTY it refuses in one line before connecting.\n' +
				'Account mode: a database URL without a user name logs in to PostgreSQL and MQTT as your user id with\n' +
				'your account password: HERMES_PASSWORD, else the saved one ({HERMES_HOME}/credentials/<id>), else asked.\n' +
				'NO_COLOR=1 turns colours off (read ✓✓ stays bold, delivered ✓✓ plain).\n' +
				examples([
					'hermes-chat --user fredy --name Fredy                 # embedded hub (started if needed)',
					'hermes-chat                                            # asks who you are when several ids are set up',
					'MQTT_URL=mqtt://db.example:1883 DATABASE_URL=postgres://db.example:5432/hermes hermes-chat --user alice  # account mode: asks alice\'s password',
					'NO_COLOR=1 hermes-chat --user david',
				]),
		)
		.action(async (flags: ChatFlags) => runChat(flags));
}

/**
 * The chat draws a full screen and reads keys, so it refuses, before any connection, hub start,
 * identity prompt or presence, when stdin or stdout is not a terminal (a pipe, a file, cron).
 * @throws AbortError naming the stream that is not a TTY.
 */
export function refuseWithoutTerminal(streams: {stdin: {isTTY?: boolean}; stdout: {isTTY?: boolean}} = process): void {
	const notTty = [streams.stdin.isTTY ? undefined : 'stdin', streams.stdout.isTTY ? undefined : 'stdout'].filter(Boolean);
	if (notTty.length === 0) return;
	throw new AbortError(
		`the chat needs an interactive terminal (${notTty.join(' and ')} ${notTty.length > 1 ? 'are' : 'is'} not a TTY)`,
		'run it in a terminal, not through a pipe or redirect (`hermes-chat hub status` works anywhere)',
	);
}

async function runChat(flags: ChatFlags): Promise<void> {
	refuseWithoutTerminal();
	const config = resolveServiceConfig(flags);
	if (!isEmbedded(config) && (!config.mqttUrl || !config.databaseUrl)) {
		throw new AbortError(
			`only the ${config.mqttUrl ? 'broker' : 'database'} is configured`,
			'give both --mqtt-url and --database-url (or neither, for the embedded hub)',
		);
	}
	const brokerProblem = mqttUrlProblem(config);
	if (brokerProblem) throw new AbortError(brokerProblem, MQTT_URL_HINT);
	// Loaded here, not at the top: `--version`, `--help` and the other commands never need Ink,
	// React, mqtt, pg, zod or conf; chat-deps.js is one bundled file after the build (issue 12).
	const {
		createChatClient, checkLogin, withHubCredentials, requestSignup, createLogger, runTui, askOnTerminal, resolveIdentity,
		logIn, signupBrokerUrl, signUpInteractively, askHidden, DraftSaver, openSettings,
	} = await import('../chat-deps.js');
	const settings = openSettings();
	const isAccount = isAccountMode(config);
	// Self sign-up on the first-run screen, when the operator published the sign-up password.
	const signupPassword = isAccount ? process.env.HERMES_SIGNUP_PASSWORD : undefined;
	let newPassword: string | undefined;
	const signUp = signupPassword
		? async () => {
				const account = await signUpInteractively({
					ask: askOnTerminal,
					askHidden: (question) => askHidden(question),
					request: (userId, password) =>
						requestSignup({mqttUrl: signupBrokerUrl(config.mqttUrl!, signupPassword), topicBase: config.topicBase, userId, password}),
					say: (line) => process.stderr.write(`${line}\n`),
				});
				newPassword = account.password;
				return account.userId;
			}
		: undefined;
	const identity = await resolveIdentity(flags, settings, process.env, askOnTerminal, process.stdin.isTTY === true, isAccount, signUp);
	const mine = settings.user(identity.userId);
	const home = hermesHome();
	let {mqttUrl, databaseUrl, topicBase} = config;
	if (isAccount) {
		({mqttUrl, databaseUrl} = await logIn({
			urls: {databaseUrl: databaseUrl!, mqttUrl: mqttUrl!},
			userId: identity.userId,
			home,
			isAskEveryTime: flags.askPassword === true || mine.get('askPassword') === true,
			isInteractive: process.stdin.isTTY === true,
			ask: (question) => askHidden(question),
			check: (urls) => checkLogin({...urls, clientIdPrefix: `hermes-chat-${identity.userId}`}),
			say: (line) => process.stderr.write(`${line}\n`),
			password: newPassword,
		}));
		delete process.env.HERMES_SIGNUP_PASSWORD;
		// Not handed on to the processes the chat starts (`/editor`, desktop notifications).
		delete process.env.HERMES_PASSWORD;
	}
	const logger = createLogger({name: 'tui', destination: join(home, 'logs', `tui-${identity.userId}.log`)});
	if (!mqttUrl || !databaseUrl) {
		// The hub's ports take this user id and the hub secret (never printed: the URLs only connect).
		const hub = await startEmbeddedHub(home, topicBase);
		topicBase = hub.topicBase;
		mqttUrl = withHubCredentials(hub.mqttUrl, identity.userId, hub.secret);
		databaseUrl = withHubCredentials(hub.databaseUrl, identity.userId, hub.secret);
	}
	const port = await createChatClient({
		identity,
		mqttUrl: withDefaultUsername(mqttUrl, identity.userId),
		databaseUrl,
		topicBase,
		logger,
		outboxDir: join(home, 'outbox', identity.userId),
	});
	const drafts = new DraftSaver(mine);
	try {
		await runTui({
			port,
			keymap: settings.keymapFor(identity.userId),
			notifications: settings.notificationsFor(identity.userId),
			onNotificationsChange: (notifications) => mine.set('notifications', notifications),
			drafts: mine.get('drafts'),
			onDraftsChange: (changed) => drafts.save(changed),
		});
	} finally {
		drafts.flush();
		await port.close();
	}
}

/** Hub start-up steps as the start screen lists them (the hub's own phase names). */
const HUB_STEPS = [
	{label: 'starting broker'},
	{label: 'opening database', hint: 'the first start creates it: a few seconds'},
	{label: 'migrating'},
	{label: 'starting ingester'},
	{label: 'ready'},
];

/**
 * Join the embedded hub of `home`, starting it in the background when it is not running;
 * the start-up is shown on the alternate screen step by step.
 * @throws Error (one line, with the tail of hub.log) when the hub cannot start.
 */
async function startEmbeddedHub(home: string, topicBase: string) {
	const {ensureHub, hubStatus, showStartScreen} = await import('../chat-deps.js');
	if (!process.stdout.isTTY || (await hubStatus(home)).state === 'running') {
		return ensureHub({home, topicBase});
	}
	// ensureHub reports its first step once the hub process exists.
	let isHubSpawned = false;
	const screen = showStartScreen('Starting the embedded hub (aedes + PGlite + ingester)…', HUB_STEPS, process.stdout, () =>
		isHubSpawned
			? 'hermes-chat: cancelled — the hub goes on starting in the background (`hermes-chat hub stop` stops it)'
			: 'hermes-chat: cancelled before the hub started',
	);
	try {
		const hub = await ensureHub({
			home,
			topicBase,
			onProgress: (phase) => {
				isHubSpawned = true;
				screen.update(phase);
			},
		});
		screen.close();
		return hub;
	} catch (error) {
		screen.close({restore: true});
		throw error;
	}
}

/**
 * The broker URL with the user id as MQTT username when it names none: the broker's rules
 * (Mosquitto's dynamic-security roles, live/dynsec-roles.ts) tie the topic's publisher level to
 * the account, so the username must be the chat user id. Brokers without authentication ignore it.
 */
export function withDefaultUsername(mqttUrl: string, userId: string): string {
	return withBrokerCredentials(mqttUrl, userId);
}
