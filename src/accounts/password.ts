// Password hashing for accounts (issue 9): a scrypt hash in PHC string form for our own checks,
// and the SCRAM-SHA-256 verifier PostgreSQL stores for a login role. May import node:crypto only.
import {createHash, createHmac, pbkdf2Sync, randomBytes, scrypt, timingSafeEqual} from 'node:crypto';

/** Shortest password an account accepts, in characters. */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest password, in UTF-8 bytes (a bound on the work an attacker can ask the KDFs for). */
export const MAX_PASSWORD_BYTES = 1024;

// scrypt (RFC 7914) with N = 2^15, r = 8, p = 1: 32 MiB and ~0.1 s per hash, the interactive
// cost OWASP's password storage cheat sheet lists as a minimum (N=2^17 at r=8 is its first choice,
// but the embedded hub verifies on its one thread). Parameters travel in the string, so they can
// be raised later without invalidating stored hashes.
const SCRYPT = {ln: 15, r: 8, p: 1, keyBytes: 32, saltBytes: 16} as const;
// PostgreSQL's default `scram_iterations` (PG 16; fixed at 4096 before).
/** PBKDF2 iterations of SCRAM-SHA-256, PostgreSQL's default (`scram_iterations`). */
export const SCRAM_ITERATIONS = 4096;

/**
 * Why `password` cannot be an account password (one line), or undefined when it can:
 * at least {@link MIN_PASSWORD_LENGTH} characters, at most {@link MAX_PASSWORD_BYTES} bytes,
 * no NUL (PostgreSQL and libpq cut a password at NUL) and no line break (a password piped to
 * `--password-stdin` ends at the first one).
 */
export function passwordProblem(password: string): string | undefined {
	if ([...password].length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
	if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `a password may have at most ${MAX_PASSWORD_BYTES} bytes`;
	if (/[\0\r\n]/.test(password)) return 'a password may not contain NUL or line breaks';
	return undefined;
}

/**
 * Hash `password` with scrypt and a random 16-byte salt, as a PHC string
 * (https://github.com/P-H-C/phc-string-format): `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`,
 * salt and hash in unpadded base64. Never logs or keeps the password.
 */
export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(SCRYPT.saltBytes);
	const hash = await scryptAsync(password, salt, SCRYPT.keyBytes, SCRYPT.ln, SCRYPT.r, SCRYPT.p);
	return `$scrypt$ln=${SCRYPT.ln},r=${SCRYPT.r},p=${SCRYPT.p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Whether `password` matches a PHC scrypt string made by {@link hashPassword} (constant-time
 * comparison). false for a malformed or foreign string, or parameters beyond ln 20 / r 32 / p 16.
 */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
	const match = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
	if (!match) return false;
	const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (ln < 1 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
	const salt = Buffer.from(match[4]!, 'base64');
	const expected = Buffer.from(match[5]!, 'base64');
	if (expected.length < 16) return false;
	const actual = await scryptAsync(password, salt, expected.length, ln, r, p);
	return timingSafeEqual(actual, expected);
}

/** What a SCRAM server keeps of a password (RFC 5802 §3): never the password itself. */
export interface ScramKeys {
	salt: Buffer;
	iterations: number;
	storedKey: Buffer;
	serverKey: Buffer;
}

/**
 * The SCRAM-SHA-256 keys of `password` (RFC 5802, RFC 7677): SaltedPassword =
 * PBKDF2-HMAC-SHA-256(SASLprep(password), salt, iterations), ClientKey = HMAC(SaltedPassword,
 * "Client Key"), StoredKey = SHA-256(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").
 * `salt` (16 random bytes by default) is for tests. Used for PostgreSQL roles
 * ({@link scramVerifier}) and by the embedded hub's database front (hub/pg-scram.ts).
 */
export function scramKeys(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): ScramKeys {
	const salted = pbkdf2Sync(saslPrep(password), salt, iterations, 32, 'sha256');
	const clientKey = createHmac('sha256', salted).update('Client Key').digest();
	return {
		salt,
		iterations,
		storedKey: createHash('sha256').update(clientKey).digest(),
		serverKey: createHmac('sha256', salted).update('Server Key').digest(),
	};
}

/**
 * PostgreSQL's stored form of a SCRAM-SHA-256 password (PostgreSQL src/common/scram-common.c
 * `scram_build_secret`), computed here so the clear password never reaches the server:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64, from {@link scramKeys}.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
	const keys = scramKeys(password, salt, iterations);
	return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${keys.storedKey.toString('base64')}:${keys.serverKey.toString('base64')}`;
}

/**
 * The SASLprep (RFC 4013) steps that change a password's bytes, as PostgreSQL, libpq and
 * node-postgres apply them before PBKDF2: non-ASCII spaces (RFC 3454 C.1.2) to U+0020, characters
 * "commonly mapped to nothing" (B.1) removed, then NFKC. ASCII passwords are unchanged.
 */
export function saslPrep(password: string): string {
	return password
		.replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')
		.replace(/[\u00AD\u034F\u1806\u180B\u180C\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, '')
		.normalize('NFKC');
}

function scryptAsync(password: string, salt: Buffer, keyBytes: number, ln: number, r: number, p: number): Promise<Buffer> {
	const N = 2 ** ln;
	// scrypt needs 128·N·r bytes; node's default ceiling (32 MiB) is exactly N=2^15,r=8 and refuses it.
	const maxmem = 128 * N * r + 16 * 1024 * 1024;
	return new Promise((resolve, reject) => {
		scrypt(password.normalize('NFC'), salt, keyBytes, {N, r, p, maxmem}, (error, key) => (error ? reject(error) : resolve(key)));
	});
}

function b64(bytes: Buffer): string {
	return bytes.toString('base64').replace(/=+$/, '');
}
