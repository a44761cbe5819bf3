// `hermes-chat export`: write a user's conversations as JSON Lines or CSV, for other tools
// (DuckDB, spreadsheets). Composition root: may import store/, protocol/, live/ (redact), cli/.
import {once} from 'node:events';
import {createWriteStream} from 'node:fs';
import {rename, rm} from 'node:fs/promises';
import type {Writable} from 'node:stream';
import {Command, InvalidArgumentError, Option} from 'commander';
import {isValidUserId} from '../../protocol/topics.js';
import {EXPORT_COLUMNS, exportedConversations, exportPages, type ExportRow} from '../../store/export.js';
import {resolveServiceConfig} from '../config.js';
import {AbortError, HUB_DATABASE_HINT} from '../errors.js';
import {csvRecord, EXPORT_FORMATS, jsonlRecord, type ExportFormat} from '../export-format.js';
import {examples} from '../help.js';

interface ExportFlags {
	databaseUrl?: string;
	user?: string;
	conversation?: string;
	format: ExportFormat;
	output?: string;
}

/**
 * The `export` command: every message of the conversations `--user` is a member of (and the
 * broadcast), or of one `--conversation`, conversation by conversation in storage order, read in
 * keyset pages and written as it goes (to `--output`, first as `<file>.partial`, renamed when
 * complete; or to stdout, which must not be a terminal). Uses the operator's DATABASE_URL.
 */
export function exportCommand(): Command {
	return new Command('export')
		.description("write a user's conversations as JSON Lines or CSV (for DuckDB, spreadsheets, …)")
		.option('--user <id>', 'whose conversations (only those they are a member of, and the broadcast)')
		.option('--conversation <id>', 'only this conversation (a:b, all, room-…)')
		.addOption(new Option('--format <format>', 'jsonl or csv').choices(EXPORT_FORMATS).default('jsonl'))
		.option('--output <file>', 'write here instead of stdout')
		.option('--database-url <url>', 'PostgreSQL (env DATABASE_URL, or POSTGRES_HOST/POSTGRES_PORT/POSTGRES_DB/…)')
		.addHelpText(
			'after',
			'\nOne record per message: ' + EXPORT_COLUMNS.join(', ') + '.\n' +
				'created_at is ISO 8601 UTC; mentions is a JSON array (CSV: ids separated by spaces); a deleted message has empty content.\n' +
				examples([
					'hermes-chat export --user alice --output alice.jsonl',
					'hermes-chat export --user alice --format csv --conversation room-ops --output ops.csv',
					"duckdb -c \"SELECT sender_id, count(*) FROM read_json_auto('alice.jsonl') GROUP BY ALL\"",
				]),
		)
		.action(async (flags: ExportFlags) => runExport(flags));
}

async function runExport(flags: ExportFlags): Promise<void> {
	const {databaseUrl} = resolveServiceConfig(flags);
	if (!databaseUrl) throw new AbortError('no database configured', `pass --database-url postgres://user@host:5432/db or set DATABASE_URL (${HUB_DATABASE_HINT})`);
	if (!flags.user) throw new AbortError('whose conversations?', 'pass --user <id>');
	if (!isValidUserId(flags.user)) throw new InvalidArgumentError(`--user ${JSON.stringify(flags.user)} is not a user id (1–64 of A-Z a-z 0-9 _ . -)`);
	if (!flags.output && process.stdout.isTTY) {
		throw new AbortError('export writes data for other tools, not for the terminal', 'pass --output <file> or redirect stdout');
	}
	// Loaded here so that `--help` and the other commands start without pg and mqtt (issue 12).
	const [{redact}, {openDb}] = await Promise.all([import('../../live/connect.js'), import('../../store/db.js')]);
	const db = openDb({databaseUrl, max: 1, applicationName: 'hermes-chat export'});
	const options = {userId: flags.user, conversationId: flags.conversation};
	try {
		const conversations = await exportedConversations(db, options).catch((error: Error) => {
			throw new AbortError(`PostgreSQL ${redact(databaseUrl)}: ${error.message.split('\n')[0]}`, 'check --database-url (env DATABASE_URL) and run hermes-chat migrate');
		});
		if (flags.conversation && conversations.length === 0) {
			throw new AbortError(`${flags.user} is not a member of ${flags.conversation}`, 'pick one of their conversations, or leave out --conversation');
		}
		const counts = await writeExport(flags, exportPages(db, options));
		process.stderr.write(`exported ${plural(counts.messages, 'message')} from ${plural(conversations.length, 'conversation')}${flags.output ? ` to ${flags.output}` : ''}\n`);
	} finally {
		await db.close();
	}
}

async function writeExport(flags: ExportFlags, pages: AsyncGenerator<ExportRow[]>): Promise<{messages: number}> {
	const partial = flags.output ? `${flags.output}.partial` : undefined;
	const out: Writable = partial ? createWriteStream(partial, {mode: 0o600}) : process.stdout;
	let messages = 0;
	try {
		if (flags.format === 'csv') await write(out, csvRecord(EXPORT_COLUMNS));
		for await (const page of pages) {
			messages += page.length;
			const text = page.map((row) => (flags.format === 'csv' ? csvRecord(EXPORT_COLUMNS.map((column) => row[column])) : jsonlRecord({...row}))).join('');
			await write(out, text);
		}
		if (partial) {
			out.end();
			await once(out, 'finish');
			await rename(partial, flags.output!);
		}
		return {messages};
	} catch (error) {
		if (partial) {
			out.destroy();
			await rm(partial, {force: true});
		}
		throw error;
	}
}

/** `1 message`, `2 messages`. */
function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Write with backpressure: wait for `drain` when the stream's buffer is full. */
async function write(out: Writable, text: string): Promise<void> {
	if (!out.write(text)) await once(out, 'drain');
}
