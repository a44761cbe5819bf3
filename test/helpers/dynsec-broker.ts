// Test helper: a private Mosquitto running the shipped docker/mosquitto/mosquitto.conf with the
// dynamic-security plugin, on a free port in a temp dir, set up the way compose does it
// (`mosquitto_ctrl dynsec init`, then `hermes-chat account setup-broker`).
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync} from 'node:fs';
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {connect, createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';

const run = promisify(execFile);

export const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
export const MOSQUITTO_CTRL = process.env.MOSQUITTO_CTRL_BIN ?? '/usr/bin/mosquitto_ctrl';
/** The plugin on this machine (Debian/Ubuntu path; the shipped config names the eclipse image's). */
export const DYNSEC_PLUGIN = process.env.MOSQUITTO_DYNSEC_PLUGIN ?? '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';
/** Whether this machine can run the suite. */
export const HAS_DYNSEC = [MOSQUITTO, MOSQUITTO_CTRL, DYNSEC_PLUGIN].every((path) => existsSync(path));

const CONFIG = fileURLToPath(new URL('../../docker/mosquitto/mosquitto.conf', import.meta.url));
const COMPOSE = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));

/** A running private broker. */
export interface DynsecBroker {
	port: number;
	dir: string;
	/** The plugin's JSON file (accounts, roles, ACLs) as Mosquitto saved it last. */
	configFile: string;
	adminUser: string;
	adminPassword: string;
	/** How the plugin file was made: compose's own mosquitto-init script, or plain `mosquitto_ctrl dynsec init`. */
	initializedBy: 'compose mosquitto-init' | 'mosquitto_ctrl';
	/** Run the init step again (it must leave an existing file alone). */
	runInit(): Promise<void>;
	/** `mqtt://user:password@127.0.0.1:port` (no credentials without `user`). */
	url(user?: string, password?: string): string;
	/** What Mosquitto logged so far (stdout + stderr). */
	output(): string;
	stop(): Promise<void>;
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/**
 * The shipped mosquitto.conf with only the listener (a free port on 127.0.0.1), the plugin's
 * path on this machine, the plugin's JSON file and the persistence folder substituted.
 * @throws Error when one of those lines is missing from the shipped file.
 */
export async function testConfig(port: number, dir: string): Promise<string> {
	const shipped = await readFile(CONFIG, 'utf8');
	const substitutions: Array<[RegExp, string]> = [
		[/^listener 1883$/m, `listener ${port} 127.0.0.1`],
		[/^plugin \/usr\/lib\/mosquitto_dynamic_security\.so$/m, `plugin ${DYNSEC_PLUGIN}`],
		[/^plugin_opt_config_file \/mosquitto\/data\/dynamic-security\.json$/m, `plugin_opt_config_file ${dir}/dynamic-security.json`],
		[/^persistence_location .*$/m, `persistence_location ${dir}/`],
	];
	let config = shipped;
	for (const [line, replacement] of substitutions) {
		if (!line.test(config)) throw new Error(`docker/mosquitto/mosquitto.conf has no line ${line}`);
		config = config.replace(line, replacement);
	}
	return config;
}

/** The shell script of docker-compose.yml's mosquitto-init service, compose's `$$` unescaped. */
export async function composeInitScript(): Promise<string> {
	const compose = await readFile(COMPOSE, 'utf8');
	const block = /^ {2}mosquitto-init:\n(?: {4}.*\n)*? {4}command:\n {6}- \|\n((?: {8}.*\n)+)/m.exec(compose);
	if (!block?.[1]) throw new Error('docker-compose.yml: no `command: - |` script in the mosquitto-init service');
	return block[1]
		.split('\n')
		.map((line) => line.slice(8))
		.join('\n')
		.replaceAll('$$', '$');
}

/** The mosquitto service's health check command in docker-compose.yml, compose's `$$` unescaped. */
export async function composeHealthcheck(): Promise<string> {
	const compose = await readFile(COMPOSE, 'utf8');
	const check = /^ {2}mosquitto:\n(?: {4}.*\n|\s*\n)*? {8}- (mosquitto_sub .*)\n/m.exec(compose);
	if (!check?.[1]) throw new Error('docker-compose.yml: no mosquitto_sub health check in the mosquitto service');
	return check[1].replaceAll('$$', '$');
}

/** Whether this process may run compose's init script as is (it chowns to the `mosquitto` user). */
async function canChownToMosquitto(): Promise<boolean> {
	if (process.getuid?.() !== 0) return false;
	return run('id', ['-u', 'mosquitto']).then(
		() => true,
		() => false,
	);
}

/**
 * Make the plugin file with an admin the way compose's mosquitto-init service does (its own
 * script, the data folder substituted; as root, so its chown to `mosquitto` works — else plain
 * `mosquitto_ctrl dynsec init`), then start Mosquitto on it. Nothing else is set up: no roles,
 * no ingester (that is `hermes-chat account setup-broker`).
 */
export async function startDynsecBroker(): Promise<DynsecBroker> {
	const dir = await mkdtemp(join(tmpdir(), 'hermes-dynsec-'));
	// Started as root, Mosquitto drops to its own user: it must write the plugin file and persistence.
	await chmod(dir, 0o777);
	const configFile = join(dir, 'dynamic-security.json');
	const adminUser = 'admin';
	const adminPassword = `admin-${randomUUID()}`;
	const isComposeScript = await canChownToMosquitto();
	const script = (await composeInitScript()).replaceAll('/mosquitto/data/', `${dir}/`);
	const runInit = async () => {
		if (isComposeScript) {
			await run('/bin/sh', ['-ec', script], {env: {...process.env, DYNSEC_ADMIN_USER: adminUser, DYNSEC_ADMIN_PASSWORD: adminPassword}});
		} else if (!existsSync(configFile)) {
			await run(MOSQUITTO_CTRL, ['dynsec', 'init', configFile, adminUser, adminPassword]);
			await chmod(configFile, 0o666);
		}
	};
	await runInit();
	const port = await freePort();
	await writeFile(join(dir, 'mosquitto.conf'), await testConfig(port, dir));
	const child = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], {stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
	// Mosquitto block-buffers its log on a pipe, so readiness is the port accepting connections.
	while (!(await accepts(port))) {
		if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${output}`);
	}
	return {
		port,
		dir,
		configFile,
		adminUser,
		adminPassword,
		initializedBy: isComposeScript ? 'compose mosquitto-init' : 'mosquitto_ctrl',
		runInit,
		url: (user, password) =>
			user ? `mqtt://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@127.0.0.1:${port}` : `mqtt://127.0.0.1:${port}`,
		output: () => output,
		stop: () => stopBroker(child, dir),
	};
}

/** A private Mosquitto without the plugin, anonymous (a broker where nobody answers on $CONTROL). */
export async function startPlainBroker(): Promise<{url: string; stop(): Promise<void>}> {
	const dir = await mkdtemp(join(tmpdir(), 'hermes-plain-'));
	const port = await freePort();
	await writeFile(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
	const child = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], {stdio: 'ignore'});
	while (!(await accepts(port))) {
		if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode})`);
	}
	return {url: `mqtt://nobody:nothing@127.0.0.1:${port}`, stop: () => stopBroker(child, dir)};
}

async function stopBroker(child: ChildProcess, dir: string): Promise<void> {
	if (child.exitCode === null && child.signalCode === null) {
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		await exited;
	}
	await rm(dir, {recursive: true, force: true});
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({port, host: '127.0.0.1'}, () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => setTimeout(() => resolve(false), 20));
	});
}
