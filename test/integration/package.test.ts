// Packaging: `npm pack` carries only what runs, the tarball installs into an empty folder with
// an empty npm cache and its bin answers --help/--version; `docker compose` accepts the stack.
import {execFile, execFileSync} from 'node:child_process';
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {name: string; version: string};
const isBuilt = existsSync(join(ROOT, 'dist/cli/main.js'));
/** Top-level entries a published tarball may hold. */
const ALLOWED = new Set(['dist', 'migrations', 'README.md', 'LICENSE', 'package.json']);

/** Installed packages that would need build tools: install scripts or a node-gyp binding. */
function packagesNeedingBuild(nodeModules: string): string[] {
	const found: string[] = [];
	const visit = (dir: string) => {
		for (const entry of readdirSync(dir)) {
			if (entry.startsWith('.')) continue;
			const path = join(dir, entry);
			if (entry.startsWith('@')) {
				visit(path);
				continue;
			}
			const manifest = join(path, 'package.json');
			if (!existsSync(manifest)) continue;
			const {name, scripts = {}} = JSON.parse(readFileSync(manifest, 'utf8')) as {name: string; scripts?: Record<string, string>};
			if (scripts.preinstall || scripts.install || scripts.postinstall || existsSync(join(path, 'binding.gyp'))) found.push(name);
			if (existsSync(join(path, 'node_modules'))) visit(join(path, 'node_modules'));
		}
	};
	visit(nodeModules);
	return found;
}

interface PackResult {
	filename: string;
	files: Array<{path: string}>;
}

describe.skipIf(!isBuilt)('npm pack → install into an empty folder (run `npm run build` first)', () => {
	let dir: string;
	let tarball: string;
	let files: string[];

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'hermes-pack-'));
		// --ignore-scripts: use the dist/ that `npm test` just built instead of rebuilding it
		// underneath the other suites.
		const {stdout} = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {cwd: ROOT});
		const [result] = JSON.parse(stdout) as PackResult[];
		tarball = join(dir, result!.filename);
		files = result!.files.map((file) => file.path);
	}, 120_000);

	afterAll(async () => {
		await rm(dir, {recursive: true, force: true});
	});

	it('lists only dist/, migrations/, README.md, LICENSE and package.json', () => {
		const topLevel = new Set(files.map((path) => path.split('/')[0]!));
		expect([...topLevel].filter((entry) => !ALLOWED.has(entry))).toEqual([]);
		expect(files).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'dist/cli/main.js', 'migrations/001_initial.sql']));
		if (existsSync(join(ROOT, 'README.md'))) expect(files).toContain('README.md');
		expect(files.filter((path) => /\.test\.|\.tsx?$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
	});

	it('installs with an empty npm cache and runs hermes-chat --help and --version', async () => {
		const app = join(dir, 'app');
		const cache = join(dir, 'cache');
		execFileSync('mkdir', ['-p', app]);
		await writeFile(join(app, 'package.json'), '{"name": "empty", "private": true}\n');
		await run('npm', ['install', '--no-audit', '--no-fund', '--cache', cache, tarball], {cwd: app, timeout: 280_000});
		const bin = join(app, 'node_modules/.bin/hermes-chat');
		const env = {...process.env, HERMES_HOME: join(dir, 'home')};
		const help = await run(bin, ['--help'], {cwd: app, env});
		expect(help.stdout).toMatch(/^Usage: hermes-chat/);
		for (const command of ['ingest', 'migrate', 'hub']) expect(help.stdout).toContain(command);
		const version = await run(bin, ['--version'], {cwd: app, env});
		expect(version.stdout.trim()).toBe(pkg.version);
		const hubHelp = await run(bin, ['hub', 'status', '--help'], {cwd: app, env});
		expect(hubHelp.stdout).toMatch(/^Usage: hermes-chat hub status/);
		// Installs on a machine without a compiler: nothing runs install scripts or node-gyp.
		expect(packagesNeedingBuild(join(app, 'node_modules'))).toEqual([]);
	}, 300_000);
});

/** The compose tool of this machine, if any: the plugin (`docker compose`) or Debian's docker-compose. */
function composeCommand(): string[] | undefined {
	for (const candidate of [['docker', 'compose'], ['docker-compose']]) {
		try {
			execFileSync(candidate[0]!, [...candidate.slice(1), 'version'], {stdio: 'ignore'});
			return candidate;
		} catch {
			// not installed
		}
	}
	return undefined;
}

const compose = composeCommand();

describe.skipIf(!compose)('docker-compose.yml (needs `docker compose` or Debian\'s docker-compose)', () => {
	it('is accepted by `compose config` with .env.example and defines the stack with health checks everywhere', async () => {
		const [command, ...args] = compose!;
		const withEnv = [...args, '--env-file', join(ROOT, '.env.example'), '-f', join(ROOT, 'docker-compose.yml')];
		// Only what compose sets: the caller's own DYNSEC_…/INGESTER_… must not hide a missing default.
		const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DYNSEC_|INGESTER_|POSTGRES_|MQTT_)/.test(name)));
		await run(command!, [...withEnv, 'config', '-q'], {cwd: ROOT, env});
		const {stdout} = await run(command!, [...withEnv, 'config', '--services'], {cwd: ROOT, env});
		// `chat` (profile tui) is listed by docker-compose 1.x, not by the compose plugin.
		expect(stdout.trim().split('\n')).toEqual(expect.arrayContaining(['mosquitto-init', 'mosquitto', 'accounts', 'ingester', 'postgres']));
		const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
		expect(text.match(/^\s+healthcheck:/gm)).toHaveLength(3);
	});

	it('refuses to start without the broker passwords (no shipped default password reaches a broker)', async () => {
		const [command, ...args] = compose!;
		const dir = await mkdtemp(join(tmpdir(), 'hermes-compose-'));
		const emptyEnv = join(dir, 'empty.env');
		await writeFile(emptyEnv, '');
		const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DYNSEC_|INGESTER_)/.test(name)));
		try {
			await expect(run(command!, [...args, '--env-file', emptyEnv, '-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], {cwd: ROOT, env})).rejects.toMatchObject({
				stderr: expect.stringMatching(/set (DYNSEC_ADMIN_PASSWORD|INGESTER_MQTT_PASSWORD) in \.env/),
			});
		} finally {
			await rm(dir, {recursive: true, force: true});
		}
	});
});
