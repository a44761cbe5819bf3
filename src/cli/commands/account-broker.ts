// `hermes-chat account setup-broker`: give Mosquitto's dynamic-security plugin hermes-chat's roles,
// default ACL access and the ingester's client (issue 9). Composition root: may import live/, log, cli/.
import {Command} from 'commander';
import {AccountError} from '../../accounts/backend.js';
import {resolveServiceConfig} from '../config.js';
import {AbortError} from '../errors.js';
import {examples} from '../help.js';

interface SetupFlags {
	adminUrl?: string;
	topic?: string;
	sharedGroup: string;
	ingesterUser?: string;
	ingesterPasswordStdin?: boolean;
	signupPassword?: string;
}

type Env = Record<string, string | undefined>;

/**
 * Add `setup-broker` to the `account` command (cli/commands/account.ts owns the others) and
 * return it, so `main.ts` can write `addBrokerCommands(accountCommand())`.
 */
export function addBrokerCommands(account: Command): Command {
	return account.addCommand(setupBrokerCommand());
}

/** `setup-broker`: idempotent; prints one line per step on stdout. */
export function setupBrokerCommand(): Command {
	return new Command('setup-broker')
		.description("set up Mosquitto's dynamic-security plugin for hermes-chat: roles, default deny, the ingester's client (idempotent)")
		.option('--admin-url <url>', 'the dynsec admin, mqtt://<admin>:<password>@host:port (env MQTT_ADMIN_URL)')
		.option('--topic <base>', 'chat topic base (env MQTT_TOPIC, default chat/messages)')
		.option('--shared-group <name>', "the ingesters' MQTT 5 shared subscription group", 'hermes-ingest')
		.option('--ingester-user <name>', "the ingester's MQTT username (env INGESTER_MQTT_USERNAME, default ingester)")
		.option('--ingester-password-stdin', "read the ingester's password from stdin (else env INGESTER_MQTT_PASSWORD)")
		.option('--signup-password <password>', 'allow self sign-up: create the broker client `signup` with this password, which you publish to would-be users (env HERMES_SIGNUP_PASSWORD)')
		.addHelpText(
			'after',
			'\nRun it once after `mosquitto_ctrl dynsec init` (docker compose does both), and again after an\n' +
				'upgrade: it resets the roles to the current rules. Accounts are then managed with\n' +
				'`hermes-chat account create|passwd|disable` (MQTT_ADMIN_URL), without a broker restart.\n' +
				examples([
					'hermes-chat account setup-broker --admin-url "mqtt://admin:$ADMIN_PW@localhost:1883"   # ingester password from INGESTER_MQTT_PASSWORD',
					'printf %s "$ING_PW" | hermes-chat account setup-broker --ingester-password-stdin     # admin from MQTT_ADMIN_URL',
				]),
		)
		.action(async (flags: SetupFlags) => runSetup(flags));
}

async function runSetup(flags: SetupFlags, env: Env = process.env): Promise<void> {
	const adminUrl = flags.adminUrl?.trim() || env.MQTT_ADMIN_URL?.trim();
	if (!adminUrl) {
		throw new AbortError('no broker admin configured', 'pass --admin-url mqtt://<admin>:<password>@host:1883 or set MQTT_ADMIN_URL');
	}
	const password = flags.ingesterPasswordStdin ? await readStdinLine() : env.INGESTER_MQTT_PASSWORD;
	if (!password) {
		throw new AbortError("no password for the ingester's MQTT client", 'set INGESTER_MQTT_PASSWORD or pipe it with --ingester-password-stdin');
	}
	const signupPassword = flags.signupPassword || env.HERMES_SIGNUP_PASSWORD || undefined;
	const {topicBase} = resolveServiceConfig({topic: flags.topic}, env);
	// Loaded here so that `--help` and the other commands start without mqtt and pino (issue 12).
	const [{setupDynsec}, {createLogger}] = await Promise.all([import('../../live/dynsec.js'), import('../../log.js')]);
	const logger = createLogger({name: 'setup-broker', level: env.LOG_LEVEL ?? 'warn'});
	let lines: string[];
	try {
		lines = await setupDynsec({
			adminUrl,
			topicBase,
			sharedGroup: flags.sharedGroup,
			ingester: {username: flags.ingesterUser?.trim() || env.INGESTER_MQTT_USERNAME?.trim() || 'ingester', password},
			signup: signupPassword ? {password: signupPassword} : undefined,
			logger,
		});
	} catch (error) {
		if (error instanceof AccountError) throw new AbortError(error.message, 'check MQTT_ADMIN_URL and that Mosquitto runs with the dynamic-security plugin');
		throw error;
	}
	for (const line of lines) process.stdout.write(`${line}\n`);
}

/** All of stdin, without one trailing newline (as `docker login --password-stdin`). */
async function readStdinLine(): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
