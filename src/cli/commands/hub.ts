// `hermes-chat hub [start|status|stop]`: the embedded hub in the foreground, or as a background daemon.
// Composition root: may import hub/, log and cli/.
import {Command, InvalidArgumentError} from 'commander';
import type {HubStatus} from '../../hub/daemon.js';
import {HUB_OWNER, readHubSecret} from '../../hub/hub-secret.js';
import {DEFAULT_HUB_MQTT_PORT, DEFAULT_HUB_PG_PORT} from '../../hub/ports.js';
import {hermesHome, resolveServiceConfig} from '../config.js';
import {AbortError, errorLine} from '../errors.js';
import {examples} from '../help.js';

interface HubFlags {
	drainTimeout?: number;
	mqttPort?: number;
	pgPort?: number;
	topic?: string;
	foreground?: boolean;
}

/**
 * The `hub` command: `hermes-chat hub` runs the embedded hub (aedes + PGlite + ingester) in
 * the foreground, logging JSON lines to stderr; `hub start` starts it in the background,
 * `hub status` reports it, `hub stop` stops it cleanly. Data lives in `hermesHome()`.
 */
export function hubCommand(): Command {
	const hub = withPortOptions(
		new Command('hub')
			.description('run the embedded hub (MQTT broker + PostgreSQL + ingester) in the foreground')
			.option('--foreground', 'run in this process (the default; used by `hub start`)')
			.option('--drain-timeout <seconds>', 'on SIGTERM/SIGINT, abort the drain after this long (default 30)', parseSeconds),
	)
		.addHelpText(
			'after',
			`\nData, hub.json and hub.log live in HERMES_HOME (now: ${hermesHome()}).\n` +
				examples(['hermes-chat hub', 'hermes-chat hub --mqtt-port 1884 --pg-port 5433', 'LOG_LEVEL=debug hermes-chat hub']),
		)
		.action(async (flags: HubFlags) => runForeground(flags));
	hub.addCommand(
		withPortOptions(new Command('start').description('start the hub in the background (no-op when it runs)'))
			.addHelpText('after', examples(['hermes-chat hub start', 'hermes-chat hub start --mqtt-port 0 --pg-port 0   # any free ports']))
			.action(
			// `hub` has the same options and commander lets a parent take them from after the
			// subcommand (`hub start --mqtt-port 0`), so merge both levels.
			async (_flags: HubFlags, command: Command) => runStart(command.optsWithGlobals<HubFlags>()),
		),
	);
	hub.addCommand(
		new Command('status')
			.description('show whether the hub runs, its pid, MQTT and PostgreSQL URLs and data directory')
			.option('--json', 'print the status as JSON')
			.addHelpText(
				'after',
				`\nExit status: 0 when the hub is running, ${EXIT_NOT_RUNNING} when it is not (stopped or still starting), as LSB \`status\` does.\n` +
					examples(['hermes-chat hub status', 'hermes-chat hub status --json', 'hermes-chat hub status >/dev/null || hermes-chat hub start']),
			)
			.action(async (flags: {json?: boolean}) => runStatus(flags)),
	);
	hub.addCommand(
		new Command('secret')
			.description('print the hub secret: the password of the hub\'s MQTT and PostgreSQL ports (to a terminal only, unless --pipe)')
			.option('--pipe', 'print it even when stdout is not a terminal (a pipe, a file)')
			.addHelpText(
				'after',
				`\nThe secret lives in HERMES_HOME/hub-secret (mode 0600). User names: a chat user id, or \`${HUB_OWNER}\` for everything.\n` +
					examples([
						'hermes-chat hub secret',
						`psql "postgres://alice:$(hermes-chat hub secret --pipe)@127.0.0.1:${DEFAULT_HUB_PG_PORT}/postgres"`,
					]),
			)
			.action(async (flags: {pipe?: boolean}) => runSecret(flags)),
	);
	hub.addCommand(
		new Command('stop')
			.description('stop the background hub cleanly (pending messages are written first)')
			.addHelpText('after', examples(['hermes-chat hub stop', 'HERMES_HOME=/tmp/try hermes-chat hub stop']))
			.action(async () => runStop()),
	);
	return hub;
}

function withPortOptions(command: Command): Command {
	return command
		.option('--mqtt-port <port>', `MQTT port, 0 = any free (default ${DEFAULT_HUB_MQTT_PORT})`, parsePort)
		.option('--pg-port <port>', `PostgreSQL port, 0 = any free (default ${DEFAULT_HUB_PG_PORT})`, parsePort)
		.option('--topic <base>', 'base topic the ingester serves (env MQTT_TOPIC)');
}

function parseSeconds(value: string): number {
	const seconds = Number(value);
	if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('not a positive number of seconds');
	return seconds;
}

function parsePort(value: string): number {
	const port = Number(value);
	if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('not a port (0–65535)');
	return port;
}

// The actions import the hub (aedes, PGlite, zod, pino) when they run, so that `--help` and the
// other commands start without them (issue 12: start-up time).

async function runForeground(flags: HubFlags): Promise<void> {
	const [{EXIT_HUB_RUNNING}, {runHubForeground}, {HubRunningError}, {createLogger}] = await Promise.all([
		import('../../hub/daemon.js'),
		import('../../hub/foreground.js'),
		import('../../hub/hub.js'),
		import('../../log.js'),
	]);
	const home = hermesHome();
	const logger = createLogger({name: 'hub'});
	try {
		const end = await runHubForeground({
			home,
			drainTimeoutMs: flags.drainTimeout === undefined ? undefined : flags.drainTimeout * 1_000,
			mqttPort: flags.mqttPort,
			pgPort: flags.pgPort,
			topicBase: resolveServiceConfig({topic: flags.topic}).topicBase,
			logger,
			onReady: (running) =>
				logger.info({mqttUrl: running.mqttUrl, databaseUrl: running.databaseUrl, home}, 'hub: ready'),
		});
		if (end === 'aborted') process.exitCode = 1;
	} catch (error) {
		if (error instanceof HubRunningError) {
			// A distinct exit code tells `ensureHub` that it lost a start race to another hub.
			process.stderr.write(`${errorLine(new AbortError(error.message, 'see `hermes-chat hub status`'))}\n`);
			process.exitCode = EXIT_HUB_RUNNING;
			return;
		}
		throw error;
	}
}

async function runStart(flags: HubFlags): Promise<void> {
	const {ensureHub} = await import('../../hub/daemon.js');
	const home = hermesHome();
	try {
		const hub = await ensureHub({
			home,
			mqttPort: flags.mqttPort,
			pgPort: flags.pgPort,
			topicBase: flags.topic === undefined ? undefined : resolveServiceConfig({topic: flags.topic}).topicBase,
			onProgress: (phase) => process.stderr.write(`hermes-chat: hub: ${phase}\n`),
		});
		process.stdout.write(`hub ${hub.started ? 'started' : 'already running'} (pid ${hub.pid})\n`);
		process.stdout.write(`MQTT:       ${hub.mqttUrl}\nPostgreSQL: ${hub.databaseUrl}\n`);
	} catch (error) {
		throw new AbortError(`could not start the hub: ${(error as Error).message}`, `look at ${home}/hub.log`);
	}
}

async function runSecret(flags: {pipe?: boolean}): Promise<void> {
	if (!process.stdout.isTTY && !flags.pipe) {
		throw new AbortError('stdout is not a terminal: the hub secret is printed to a terminal only', 'add --pipe to print it to a pipe or file on purpose');
	}
	const home = hermesHome();
	const secret = await readHubSecret(home).catch((error: Error) => {
		throw new AbortError(error.message, 'the hub creates it on its first start (`hermes-chat hub start`)');
	});
	process.stdout.write(`${secret}\n`);
}

/** Exit status of `hub status` when the hub is not running (LSB init-script `status`: 3, "not running"). */
export const EXIT_NOT_RUNNING = 3;

async function runStatus(flags: {json?: boolean}): Promise<void> {
	const {hubStatus} = await import('../../hub/daemon.js');
	const status = await hubStatus(hermesHome());
	process.stdout.write(flags.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
	// Scripts ask `hub status && …`; the text (or JSON) says which state it is.
	if (status.state !== 'running') process.exitCode = EXIT_NOT_RUNNING;
}

const STATE_LINES: Record<HubStatus['state'], string> = {
	running: 'running',
	starting: 'starting',
	unresponsive: 'not answering (wedged or stopping) — `hermes-chat hub stop` ends it',
	stopped: 'not running',
};

/** The human-readable `hub status` text (one `key: value` per line). */
export function formatStatus(status: HubStatus): string {
	const lines = [`hub:        ${STATE_LINES[status.state]}`];
	if (status.pid !== undefined) lines.push(`pid:        ${status.pid}`);
	if (status.mqttUrl) lines.push(`MQTT:       ${status.mqttUrl}`);
	if (status.databaseUrl) lines.push(`PostgreSQL: ${status.databaseUrl}   (psql "${userUrl(status.databaseUrl)}")`);
	if (status.topicBase) lines.push(`topic:      ${status.topicBase}/#`);
	if (status.startedAt) lines.push(`since:      ${status.startedAt}`);
	lines.push(`data:       ${status.dataDir}`, `log:        ${status.logFile}`);
	lines.push(`secret:     ${status.secretFile}   (user: a chat user id or ${HUB_OWNER}; password: \`hermes-chat hub secret\`)`);
	return `${lines.join('\n')}\n`;
}

/** `url` with a user-id placeholder and the secret as a shell substitution: never the secret itself. */
function userUrl(url: string): string {
	const parsed = new URL(url);
	return `${parsed.protocol}//<user id>:$(hermes-chat hub secret --pipe)@${parsed.host}${parsed.pathname}`;
}

async function runStop(): Promise<void> {
	const {stopHub} = await import('../../hub/daemon.js');
	const home = hermesHome();
	const stopped = await stopHub(home).catch((error: Error) => {
		throw new AbortError(error.message, `look at ${home}/hub.log`);
	});
	if (stopped === undefined) process.stdout.write('hub: not running\n');
	else if (stopped.isKilled) process.stdout.write(`hub: killed (pid ${stopped.pid}): it did not stop after SIGTERM; see ${home}/hub.log\n`);
	else process.stdout.write(`hub: stopped (pid ${stopped.pid})\n`);
}
