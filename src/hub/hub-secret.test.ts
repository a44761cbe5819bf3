import {chmod, mkdtemp, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {ensureHubSecret, hubSecretPath, isHubSecret, readHubSecret, tightenHome, withHubCredentials} from './hub-secret.js';

describe('hub secret', () => {
	let home: string;
	beforeEach(async () => {
		home = await mkdtemp(join(tmpdir(), 'hermes-secret-'));
	});
	afterEach(async () => {
		await rm(home, {recursive: true, force: true});
	});

	it('is created once, 0600, 32 random bytes as base64url, and kept', async () => {
		const [first, concurrent] = await Promise.all([ensureHubSecret(join(home, 'h')), ensureHubSecret(join(home, 'h'))]);
		expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(concurrent).toBe(first);
		expect((await stat(hubSecretPath(join(home, 'h')))).mode & 0o777).toBe(0o600);
		expect((await stat(join(home, 'h'))).mode & 0o777).toBe(0o700);
		expect(await ensureHubSecret(join(home, 'h'))).toBe(first);
		expect(await ensureHubSecret(home)).not.toBe(first);
	});

	it('tightens a file others could read, and says so', async () => {
		const secret = await ensureHubSecret(home);
		await chmod(hubSecretPath(home), 0o644);
		const loosened: number[] = [];
		expect(await ensureHubSecret(home, (mode) => loosened.push(mode))).toBe(secret);
		expect(loosened).toEqual([0o644]);
		expect((await stat(hubSecretPath(home))).mode & 0o777).toBe(0o600);
	});

	it('makes a home others could enter owner-only, and leaves a private one alone', async () => {
		await chmod(home, 0o755);
		expect(await tightenHome(home)).toBe(0o755);
		expect((await stat(home)).mode & 0o777).toBe(0o700);
		expect(await tightenHome(home)).toBeUndefined();
	});

	it('refuses a missing or malformed file with one line', async () => {
		await expect(readHubSecret(home)).rejects.toThrow(/cannot read the hub secret .*hub-secret \(ENOENT\)/);
		await writeFile(hubSecretPath(home), 'short\n');
		await expect(readHubSecret(home)).rejects.toThrow(/does not hold a hub secret/);
	});

	it('compares in constant time and puts credentials into URLs', () => {
		expect(isHubSecret('abc', 'abc')).toBe(true);
		expect(isHubSecret('abd', 'abc')).toBe(false);
		expect(isHubSecret(undefined, 'abc')).toBe(false);
		expect(isHubSecret(Buffer.from('abc'), 'abc')).toBe(true);
		expect(withHubCredentials('mqtt://127.0.0.1:1883', 'alice', 's-_1')).toBe('mqtt://alice:s-_1@127.0.0.1:1883');
		expect(withHubCredentials('postgres://127.0.0.1:5432/postgres', 'server', 'x')).toBe('postgres://server:x@127.0.0.1:5432/postgres');
	});
});
