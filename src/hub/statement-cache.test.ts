import {describe, expect, it} from 'vitest';
import {StatementCache, StatementRewriter} from './statement-cache.js';

const message = (type: string, ...fields: Array<string | Buffer>) => {
	const body = Buffer.concat(fields.map((f) => (typeof f === 'string' ? Buffer.from(`${f}\0`, 'utf8') : f)));
	const head = Buffer.alloc(5);
	head.write(type, 0, 'latin1');
	head.writeInt32BE(body.length + 4, 1);
	return Buffer.concat([head, body]);
};
/** Parse with one parameter of type int4 (oid 23). */
const parse = (name: string, sql: string) => message('P', name, sql, Buffer.from([0, 1, 0, 0, 0, 23]));
/** Bind with no parameter formats, one text parameter '7', no result formats. */
const bind = (statement: string) => message('B', '', statement, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0x37, 0, 0]));
const describeStatement = (name: string) => message('D', Buffer.from('S'), name);
const execute = message('E', '', Buffer.from([0, 0, 0, 0]));
const sync = message('S');
const SQL = 'SELECT * FROM chat_messages WHERE seq = $1';
/** One extended query: Parse, Bind, Describe, Execute, Sync. */
const request = (sql = SQL) => Buffer.concat([parse('', sql), bind(''), describeStatement(''), execute, sync]);
/** The cache key of SQL for alice. */
const KEY = `alice\0${Buffer.from([0, 1, 0, 0, 0, 23]).toString('hex')}\0${SQL}`;
const PARSE_COMPLETE = 0x31;
const READY = 0x5a;
/** PGlite's replies to one request that ran (ParseComplete … ReadyForQuery). */
const ran = (rewriter: StatementRewriter) => (rewriter.onReply(PARSE_COMPLETE), rewriter.onReply(READY));

describe('StatementRewriter', () => {
	it('makes the first unnamed Parse a named one, then sends an empty Parse and names it in Bind and Describe', () => {
		const cache = new StatementCache();
		const rewriter = new StatementRewriter(cache, 'alice');
		expect(rewriter.push(request())).toEqual(Buffer.concat([parse('hermes_s0', SQL), bind('hermes_s0'), describeStatement('hermes_s0'), execute, sync]));
		ran(rewriter);
		expect(cache.get(KEY)).toEqual({name: 'hermes_s0', isReady: true});
		expect(rewriter.push(request())).toEqual(Buffer.concat([Buffer.from([0x50, 0, 0, 0, 8, 0, 0, 0, 0]), bind('hermes_s0'), describeStatement('hermes_s0'), execute, sync]));
		// Another connection of the same user shares it; another user gets one of their own.
		expect(new StatementRewriter(cache, 'alice').push(request()).subarray(0, 9)).toEqual(Buffer.from([0x50, 0, 0, 0, 8, 0, 0, 0, 0]));
		expect(new StatementRewriter(cache, 'bob').push(request())).toEqual(Buffer.concat([parse('hermes_s1', SQL), bind('hermes_s1'), describeStatement('hermes_s1'), execute, sync]));
	});

	it('reassembles messages split across chunks', () => {
		const rewriter = new StatementRewriter(new StatementCache(), 'alice');
		const bytes = request();
		const out = [rewriter.push(bytes.subarray(0, 3)), rewriter.push(bytes.subarray(3, 20)), rewriter.push(bytes.subarray(20))];
		expect(out[0]!.length + out[1]!.length).toBe(0);
		expect(Buffer.concat(out)).toEqual(Buffer.concat([parse('hermes_s0', SQL), bind('hermes_s0'), describeStatement('hermes_s0'), execute, sync]));
	});

	it('forgets a name whose Parse failed, and makes a new one next time', () => {
		const cache = new StatementCache();
		const rewriter = new StatementRewriter(cache, 'alice');
		rewriter.push(request());
		rewriter.onReply(READY); // an error: no ParseComplete before ReadyForQuery
		expect(cache.size).toBe(0);
		expect(rewriter.push(request()).subarray(0, parse('hermes_s1', SQL).length)).toEqual(parse('hermes_s1', SQL));
	});

	it('leaves a Parse alone while its statement is pending elsewhere, and a closed connection frees its pending names', () => {
		const cache = new StatementCache();
		const first = new StatementRewriter(cache, 'alice');
		first.push(request());
		const second = new StatementRewriter(cache, 'alice');
		expect(second.push(request())).toEqual(request());
		first.dispose();
		expect(cache.size).toBe(0);
	});

	it("does not count the startup's ReadyForQuery against the first request", () => {
		const cache = new StatementCache();
		const rewriter = new StatementRewriter(cache, 'alice');
		rewriter.expectReady();
		rewriter.push(request());
		rewriter.onReply(READY); // the startup's
		expect(cache.size).toBe(1);
		ran(rewriter);
		expect(cache.get(KEY)?.isReady).toBe(true);
	});

	it('clears the cache on DEALLOCATE or DISCARD, from any connection', () => {
		const cache = new StatementCache();
		const alice = new StatementRewriter(cache, 'alice');
		alice.push(request());
		ran(alice);
		const owner = new StatementRewriter(cache, 'server');
		owner.push(message('Q', 'DEALLOCATE ALL'));
		expect(cache.size).toBe(0);
		alice.push(request());
		ran(alice);
		alice.push(message('Q', 'discard all'));
		expect(cache.size).toBe(0);
	});

	it('passes named Parses and a full cache through unchanged', () => {
		const cache = new StatementCache(1);
		const alice = new StatementRewriter(cache, 'alice');
		const named = Buffer.concat([parse('mine', SQL), bind('mine'), execute, sync]);
		expect(alice.push(named)).toEqual(named);
		alice.push(request());
		ran(alice);
		ran(alice);
		expect(alice.push(request('SELECT 2'))).toEqual(request('SELECT 2'));
		// A simple Query replaces the unnamed statement: a later Bind of it is not redirected.
		alice.push(request());
		alice.push(message('Q', 'SELECT 1'));
		expect(alice.push(Buffer.concat([bind(''), sync]))).toEqual(Buffer.concat([bind(''), sync]));
	});

	it('passes a malformed Parse through as it came', () => {
		const rewriter = new StatementRewriter(new StatementCache(), 'alice');
		const unterminated = Buffer.concat([Buffer.from([0x50, 0, 0, 0, 13, 0]), Buffer.from('SELECT 1')]);
		expect(rewriter.push(unterminated)).toEqual(unterminated);
	});
});
