// A private Mosquitto for one benchmark run: anonymous, 127.0.0.1 only, no persistence, so no
// other suite's traffic on the shared broker shares its CPU queue or its topics.
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {promisify} from 'node:util';
import {connect, createServer} from 'node:net';
import {join} from 'node:path';

const run = promisify(execFile);

/** Mosquitto binary (env `MOSQUITTO_BIN`). */
export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

/** Mosquitto's dynamic-security plugin and its admin tool (env `MOSQUITTO_DYNSEC_PLUGIN`, `MOSQUITTO_CTRL_BIN`). */
export const DYNSEC_PLUGIN = process.env.MOSQUITTO_DYNSEC_PLUGIN ?? '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';
export const MOSQUITTO_CTRL = process.env.MOSQUITTO_CTRL_BIN ?? '/usr/bin/mosquitto_ctrl';

/** A running private broker. */
export interface PrivateBroker {
	/** `mqtt://127.0.0.1:<port>` */
	url: string;
	/**
	 * With `dynsec`: `mqtt://admin:<password>@127.0.0.1:<port>`, the plugin's admin (made by
	 * `mosquitto_ctrl dynsec init`; nothing else is set up, see live/dynsec.ts setupDynsec).
	 */
	adminUrl?: string;
	/** The mosquitto process id (CPU accounting). */
	pid: number;
	/** Stop it (SIGTERM, then wait for the exit) and remove its folder. */
	stop(): Promise<void>;
}

function isOpen(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({host: '127.0.0.1', port});
		const done = (ok: boolean) => (socket.destroy(), resolve(ok));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as {port: number};
			server.close(() => resolve(port));
		});
	});
}

/**
 * Start Mosquitto on 127.0.0.1:`port` with its config and log in a fresh folder under `tmpRoot`.
 * Limits as docker/mosquitto/mosquitto.conf (TCP_NODELAY, 1,000 in flight, 100,000 queued per
 * client) so a slow benchmark client loses nothing; no persistence; no auth, or with `dynsec`
 * the dynamic-security plugin (only its admin exists: set up roles and clients through it).
 * @throws Error when the port is taken or Mosquitto does not listen within 10 s (its log attached).
 */
export async function startPrivateBroker(port: number, tmpRoot: string, options: {dynsec?: boolean} = {}): Promise<PrivateBroker> {
	if (await isOpen(port)) throw new Error(`port ${port} is already in use`);
	await mkdir(tmpRoot, {recursive: true});
	const dir = await mkdtemp(join(tmpRoot, `mosquitto-${port}-`));
	const config = join(dir, 'mosquitto.conf');
	const adminPassword = `admin-${randomUUID()}`;
	if (options.dynsec) {
		// Production's access control (docker/mosquitto): the plugin, its file made as compose's init does.
		await chmod(dir, 0o777);
		await run(MOSQUITTO_CTRL, ['dynsec', 'init', join(dir, 'dynamic-security.json'), 'admin', adminPassword]);
		await chmod(join(dir, 'dynamic-security.json'), 0o666);
	}
	await writeFile(config, [
		`listener ${port} 127.0.0.1`,
		...(options.dynsec ? [`plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${join(dir, 'dynamic-security.json')}`] : ['allow_anonymous true']),
		'persistence false',
		// Production's limits (docker/mosquitto/mosquitto.conf): a burst is queued, never dropped.
		'set_tcp_nodelay true',
		'max_inflight_messages 1000',
		'max_queued_messages 100000',
		'max_queued_bytes 268435456',
		'max_packet_size 65536',
		'log_dest stderr',
		'log_type error',
		'log_type warning',
		'',
	].join('\n'));
	let output = '';
	const child: ChildProcess = spawn(MOSQUITTO_BIN, ['-c', config], {stdio: ['ignore', 'ignore', 'pipe']});
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const deadline = Date.now() + 10_000;
	while (!(await isOpen(port))) {
		if (child.exitCode !== null || Date.now() > deadline) {
			child.kill('SIGKILL');
			await rm(dir, {recursive: true, force: true});
			throw new Error(`mosquitto did not start on ${port}: ${output.trim() || `exit ${child.exitCode}`}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return {
		url: `mqtt://127.0.0.1:${port}`,
		...(options.dynsec ? {adminUrl: `mqtt://admin:${adminPassword}@127.0.0.1:${port}`} : {}),
		pid: child.pid!,
		async stop() {
			if (child.exitCode === null) {
				const exited = new Promise((resolve) => child.once('exit', resolve));
				child.kill('SIGTERM');
				await exited;
			}
			await rm(dir, {recursive: true, force: true});
		},
	};
}
