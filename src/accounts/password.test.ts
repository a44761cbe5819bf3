import {createHash, createHmac} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {hashPassword, passwordProblem, saslPrep, scramVerifier, verifyPassword} from './password.js';

const b64 = (text: string) => Buffer.from(text, 'base64');

describe('scramVerifier', () => {
	// RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
	// A verifier is right when its keys reproduce the exchange's ClientProof and ServerSignature.
	it('reproduces the RFC 7677 SCRAM-SHA-256 exchange from its StoredKey and ServerKey', () => {
		const verifier = scramVerifier('pencil', b64('W22ZaJ0SNY7soEsUEjb6gQ=='));
		const match = /^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$([^:]+):(.+)$/.exec(verifier);
		expect(match).not.toBeNull();
		const [storedKey, serverKey] = [b64(match![1]!), b64(match![2]!)];
		const authMessage = 'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
			'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
			'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
		expect(createHmac('sha256', serverKey).update(authMessage).digest('base64')).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
		// ClientKey = ClientProof XOR ClientSignature, and StoredKey = H(ClientKey).
		const proof = b64('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
		const signature = createHmac('sha256', storedKey).update(authMessage).digest();
		const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
		expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
	});

	it('uses a fresh salt each time', () => {
		expect(scramVerifier('same-password')).not.toBe(scramVerifier('same-password'));
	});

	it('applies the SASLprep mappings PostgreSQL and libpq apply', () => {
		expect(saslPrep('pass\u00A0word\u00AD')).toBe('pass word');
		expect(saslPrep('ﬁne-password')).toBe('fine-password');
		expect(saslPrep('plain-ascii')).toBe('plain-ascii');
	});
});

describe('hashPassword / verifyPassword (scrypt, PHC string)', () => {
	it('verifies the right password only, with parameters and salt in the string', async () => {
		const hash = await hashPassword('correct horse');
		expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
		expect(hash).not.toContain('correct horse');
		expect(await verifyPassword('correct horse', hash)).toBe(true);
		expect(await verifyPassword('correct horsf', hash)).toBe(false);
		expect(await hashPassword('correct horse')).not.toBe(hash);
	});

	it('refuses malformed strings and absurd parameters instead of throwing', async () => {
		expect(await verifyPassword('x', '')).toBe(false);
		expect(await verifyPassword('x', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA')).toBe(false);
		expect(await verifyPassword('x', '$scrypt$ln=40,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA')).toBe(false);
	});
});

describe('passwordProblem', () => {
	it('wants 8 characters, no NUL or line break, at most 1024 bytes', () => {
		expect(passwordProblem('1234567')).toMatch(/at least 8/);
		expect(passwordProblem('12345678')).toBeUndefined();
		expect(passwordProblem('é'.repeat(8))).toBeUndefined();
		expect(passwordProblem('12345678\n')).toMatch(/line breaks/);
		expect(passwordProblem('x'.repeat(1025))).toMatch(/1024 bytes/);
	});
});
