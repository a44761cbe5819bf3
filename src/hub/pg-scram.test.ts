import {describe, expect, it} from 'vitest';
import {scramKeys} from '../accounts/password.js';
import {ScramServerExchange} from './pg-scram.js';

// RFC 7677 §3, the SCRAM-SHA-256 example exchange (user "user", password "pencil").
const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
const serverNonce = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
const clientFirst = 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO';
const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';

describe('ScramServerExchange', () => {
	it('reproduces the RFC 7677 example exchange', () => {
		const exchange = new ScramServerExchange(scramKeys('pencil', salt, 4096), serverNonce);
		expect(exchange.first(clientFirst)).toEqual({ok: true, message: `r=rOprNGfwEbeRWgbNEkqO${serverNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`});
		expect(exchange.final(clientFinal)).toEqual({ok: true, message: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='});
	});

	it('refuses the same proof for another password, a changed nonce and channel binding', () => {
		const wrong = new ScramServerExchange(scramKeys('pencil2', salt, 4096), serverNonce);
		wrong.first(clientFirst);
		expect(wrong.final(clientFinal)).toEqual({ok: false, reason: 'password authentication failed'});
		const replay = new ScramServerExchange(scramKeys('pencil', salt, 4096));
		replay.first(clientFirst);
		expect(replay.final(clientFinal)).toEqual({ok: false, reason: 'SCRAM nonce does not match'});
		const plus = new ScramServerExchange(scramKeys('pencil', salt, 4096));
		expect(plus.first('p=tls-server-end-point,,n=,r=abc')).toEqual({ok: false, reason: 'channel binding is not supported'});
		expect(new ScramServerExchange(scramKeys('pencil')).final(clientFinal)).toMatchObject({ok: false});
	});
});
