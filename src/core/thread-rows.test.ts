// Thread rows as data: day separators, time-only rows, wrapping that loses nothing at any width.
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {fakeMessage} from '../../test/helpers/fake-port.js';
import {calculateLayout} from './layout.js';
import {sanitizeText} from './sanitize.js';
import {displayWidth} from './text-layout.js';
import {scrollToMessage, TICK_COLUMNS, visibleThreadRows, wrapMessage, type ThreadRow, type ThreadWindowInput} from './thread-rows.js';
import type {ChatMessage} from './types.js';

// Monday 30 November 2026, 10:30 UTC.
const NOW = Date.UTC(2026, 10, 30, 10, 30);
const day = (d: number, h: number, m = 0, y = 2026): number => Date.UTC(y, 10, d, h, m);
const msg = (id: string, at: number, content = `text of ${id}`, from = 'bob', seq?: number): ChatMessage => ({
	...fakeMessage(from, from === 'bob' ? 'alice' : 'bob', content, {id, ...(seq === undefined ? {} : {seq})}),
	createdAt: at,
});
const input = (messages: ChatMessage[], extra: Partial<ThreadWindowInput> = {}): ThreadWindowInput => ({
	messages,
	me: 'alice',
	width: 60,
	height: 100,
	scroll: 0,
	now: NOW,
	timeZone: 'UTC',
	hasMore: false,
	isLoadingOlder: false,
	...extra,
});
const labels = (rows: readonly ThreadRow[]): string[] =>
	rows.map((r) => (r.kind === 'day' ? `[${r.label}]` : r.kind === 'message' ? (r.isFirst ? `${r.time} ${r.text}` : `  ${r.text}`) : `<${r.kind}>`));

/** What the thread pane draws for a row (without colours): prefix or indent, text, ticks. */
function rendered(row: ThreadRow): string {
	if (row.kind !== 'message') return '';
	if (!row.isFirst) return ' '.repeat(row.indent) + row.text;
	return `${row.time} ${row.sender}: ${row.text}${row.status ? ' '.repeat(TICK_COLUMNS) : ''}`;
}

describe('day separators', () => {
	it('puts one before the first message of each day, and only the time on each row', () => {
		const messages = [
			msg('a', day(22, 23, 59, 2025)),
			msg('b', day(23, 9, 15)),
			msg('c', day(23, 18, 40)),
			msg('d', day(29, 8, 5)),
			msg('e', day(30, 7, 1)),
			msg('f', day(30, 10, 3)),
		];
		expect(labels(visibleThreadRows(input(messages)).rows)).toEqual([
			'<start>',
			'[Sat 22 Nov 2025]',
			'23:59 text of a',
			'[Mon 23 Nov]',
			'09:15 text of b',
			'18:40 text of c',
			'[Yesterday]',
			'08:05 text of d',
			'[Today]',
			'07:01 text of e',
			'10:03 text of f',
		]);
	});

	it('follows the time zone: a day boundary moves with it', () => {
		// 23:30 and 00:30 UTC are one day in Chatham (+13:45): 13:15 and 14:15 on 30 Nov.
		const messages = [msg('a', day(29, 23, 30)), msg('b', day(30, 0, 30))];
		expect(labels(visibleThreadRows(input(messages)).rows)).toEqual(['<start>', '[Yesterday]', '23:30 text of a', '[Today]', '00:30 text of b']);
		const chatham = visibleThreadRows(input(messages, {timeZone: 'Pacific/Chatham', now: day(30, 11)})).rows;
		expect(labels(chatham)).toEqual(['<start>', '[Yesterday]', '13:15 text of a', '14:15 text of b']);
	});

	it('shows the separator of the topmost visible message even when older ones are not on screen', () => {
		const messages = Array.from({length: 30}, (_, i) => msg(`m${i}`, day(30, 8, i)));
		const rows = visibleThreadRows(input(messages, {height: 4})).rows;
		expect(labels(rows)).toEqual(['08:26 text of m26', '08:27 text of m27', '08:28 text of m28', '08:29 text of m29']);
		const top = visibleThreadRows(input(messages, {height: 4, scroll: 1_000})).rows;
		expect(labels(top)).toEqual(['<start>', '[Today]', '08:00 text of m0', '08:01 text of m1']);
	});

	it('orders separator, "new messages" divider and gap marker around the messages', () => {
		const messages = [msg('a', day(29, 9)), msg('b', day(30, 9)), msg('c', day(30, 9, 30))];
		const rows = visibleThreadRows(input(messages, {dividerBeforeId: 'b', gapAfterId: 'b'})).rows;
		expect(labels(rows)).toEqual(['<start>', '[Yesterday]', '09:00 text of a', '[Today]', '<divider>', '09:00 text of b', '<gap>', '09:30 text of c']);
	});
});

describe('wrapping', () => {
	it('aligns wrapped rows under the text, after "time sender: "', () => {
		const m = msg('w', day(30, 9), 'one two three four five six seven eight nine ten eleven twelve');
		const rows = visibleThreadRows(input([m], {width: 40})).rows.filter((r) => r.kind === 'message');
		expect(rows.length).toBeGreaterThan(1);
		const indent = displayWidth('09:00 Bob: ');
		for (const row of rows) if (row.kind === 'message') expect(row.indent).toBe(indent);
		// No row starts with the space it was broken at (wrap-ansi leaves it there when a row is full).
		const narrow = wrapMessage(msg('x', day(30, 9), 'hello world this is a test of wrapping'), 9, 'UTC').lines;
		expect(narrow).toEqual(['hello ', 'world ', 'this is', 'a test', 'of wra', 'pping']);
	});

	it('loses no word at 40 columns (regression: "erin bulk message number 149" lost words at 40–42)', () => {
		for (const columns of [40, 41, 42]) {
			const width = calculateLayout(columns, 24).threadInnerWidth;
			const m = {...msg('e', day(30, 9), 'erin bulk message number 149'), senderName: 'Erin Example-Longname'};
			const rows = visibleThreadRows(input([m], {width})).rows.filter((r) => r.kind === 'message');
			const text = rows.map((r) => (r.kind === 'message' ? r.text : '')).join(' ');
			expect(text.split(/\s+/).filter(Boolean)).toEqual(['erin', 'bulk', 'message', 'number', '149']);
			for (const row of rows) expect(displayWidth(rendered(row))).toBeLessThanOrEqual(width);
		}
	});

	it('stacks "time sender:" above the text when it would take over half the width', () => {
		const m = msg('s', day(30, 9), 'hello there', 'alice');
		const wrapped = wrapMessage(m, 20, 'UTC');
		expect(wrapped.isStacked).toBe(true);
		const rows = visibleThreadRows(input([m], {width: 20})).rows.filter((r) => r.kind === 'message');
		expect(rows.map((r) => (r.kind === 'message' ? [r.isFirst, r.text] : []))).toEqual([
			[true, ''],
			[false, 'hello there'],
		]);
		expect(rows[0]).toMatchObject({status: 'received_by_server'});
	});

	it('renders newlines in a message as separate rows, never as a control character', () => {
		const m = msg('n', day(30, 9), 'first line\nsecond line\r\n\nfourth\u0007');
		const rows = visibleThreadRows(input([m])).rows.filter((r) => r.kind === 'message');
		expect(rows.map((r) => (r.kind === 'message' ? r.text : ''))).toEqual(['first line', 'second line', '', 'fourth␇']);
		for (const row of rows) expect(rendered(row)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
	});

	it('property: at any width, no word is lost and no row is wider than the pane', () => {
		const word = fc.oneof(
			fc.stringMatching(/^[a-z]{1,12}$/),
			fc.constantFrom('漢字かな', '🙂🙂', 'https://example.com/a/very/long/path/that/never/breaks/at/a/space', 'é', '👩‍💻'),
		);
		const content = fc.array(fc.tuple(word, fc.constantFrom(' ', '  ', '\n')), {minLength: 1, maxLength: 40}).map((parts) => parts.map(([w, sep]) => w + sep).join('').trimEnd());
		const name = fc.constantFrom('Bo', 'Alice', 'Bartholomew Longname-Smith', '漢字の名前です');
		fc.assert(
			fc.property(content, name, fc.integer({min: 30, max: 200}), fc.boolean(), (text, senderName, columns, isMine) => {
				const width = calculateLayout(columns, 24).threadInnerWidth;
				const m = {...msg('p', day(30, 9), text, isMine ? 'alice' : 'bob'), senderName};
				const rows = visibleThreadRows(input([m], {width})).rows.filter((r) => r.kind === 'message');
				const shown = rows.map((r) => (r.kind === 'message' ? r.text : '')).join('');
				expect(shown.replace(/\s/g, '')).toBe(sanitizeText(text).normalize('NFC').replace(/\s/g, ''));
				for (const row of rows) expect(displayWidth(rendered(row))).toBeLessThanOrEqual(width);
			}),
			{numRuns: 300},
		);
	});
});

describe('scrollToMessage', () => {
	it('puts the first row of a message (with its separators) at the top, or 0 when all fits', () => {
		const messages = Array.from({length: 20}, (_, i) => msg(`m${i}`, day(30, 8, i)));
		const layout = {...input(messages), height: 5};
		expect(scrollToMessage(layout, 'm17')).toBe(0);
		expect(scrollToMessage(layout, 'm10')).toBe(10 - 5);
		const window = visibleThreadRows({...layout, scroll: scrollToMessage(layout, 'm10')});
		expect(window.rows[0]).toMatchObject({kind: 'message', messageId: 'm10', isFirst: true});
		expect(scrollToMessage(layout, 'nope')).toBe(0);
	});
});

describe('replies, edits, deletions, reactions, mentions (issue 10)', () => {
	const at = day(30, 10, 0);
	it('quotes the original above a reply, from the loaded original, sanitized and cut to the width', () => {
		const original = msg('o1', at, 'the original\nsecond line \u001b[31mred', 'bob');
		const reply = {...msg('r1', at, 'my answer', 'alice'), replyTo: {messageId: 'o1', senderId: 'bob'}};
		const rows = visibleThreadRows(input([original, reply], {width: 40})).rows;
		const quote = rows.find((r) => r.kind === 'quote')!;
		expect(quote.kind === 'quote' && quote.text).toMatch(/^↳ Bob: the original second…$/);
		expect(quote.kind === 'quote' && quote.text).not.toContain('\u001b');
		if (quote.kind === 'quote') expect(quote.indent + displayWidth(quote.text)).toBeLessThanOrEqual(40);
		// The quote comes right before the reply's first row.
		const index = rows.indexOf(quote);
		expect(rows[index + 1]).toMatchObject({kind: 'message', messageId: 'r1', isFirst: true});
	});

	it('quotes from the reply preview when the original is not loaded, and says when it was deleted', () => {
		const reply = {...msg('r1', at, 'answer'), replyTo: {messageId: 'gone', senderId: 'carol', senderName: 'Carol', preview: 'old words'}};
		expect(visibleThreadRows(input([reply])).rows.find((r) => r.kind === 'quote')).toMatchObject({text: '↳ Carol: old words'});
		const deleted = {...msg('o1', at, ''), deletedAt: 1, deletedBy: 'bob'};
		const reply2 = {...msg('r2', at, 'answer'), replyTo: {messageId: 'o1', senderId: 'bob', preview: 'secret'}};
		expect(visibleThreadRows(input([deleted, reply2])).rows.find((r) => r.kind === 'quote')).toMatchObject({text: '↳ Bob: message deleted'});
	});

	it('marks an edited message "(edited)" on its last row, keeping the row within the width', () => {
		for (const width of [20, 30, 45, 60]) {
			const edited = {...msg('e1', at, 'a message that was edited after it was sent'), version: 1, editedAt: at + 1};
			const rows = visibleThreadRows(input([edited], {width})).rows.filter((r) => r.kind === 'message');
			const last = rows.at(-1)!;
			expect(last).toMatchObject({isEdited: true});
			expect(rows.filter((r) => r.kind === 'message' && r.isEdited)).toHaveLength(1);
			for (const row of rows) expect(displayWidth(rendered(row)) + (row.kind === 'message' && row.isEdited ? 9 : 0)).toBeLessThanOrEqual(width);
		}
	});

	it('shows the placeholder for a deleted message, without reactions', () => {
		const deleted = {...msg('d1', at, ''), deletedAt: 2, deletedBy: 'bob', reactions: {'👍': ['alice']}};
		const rows = visibleThreadRows(input([deleted])).rows;
		expect(rows.find((r) => r.kind === 'message')).toMatchObject({text: 'message deleted', isDeleted: true});
		expect(rows.some((r) => r.kind === 'reactions')).toBe(false);
	});

	it('lists reactions under the message with counts, mine marked, sanitized', () => {
		const m = {...msg('x1', at, 'hello'), reactions: {'👍': ['bob', 'alice', 'carol'], '🎉': ['bob'], '\u001b[2J': ['bob']}};
		const rows = visibleThreadRows(input([m])).rows;
		const reactions = rows.at(-1)!;
		expect(reactions.kind).toBe('reactions');
		if (reactions.kind !== 'reactions') return;
		expect(reactions.items.slice(0, 2)).toEqual([
			{emoji: '👍', count: 3, isMine: true},
			{emoji: '🎉', count: 1, isMine: false},
		]);
		expect(reactions.items[2]!.emoji).not.toContain('\u001b');
		// Row counts agree with what is drawn (scrolling math stays right).
		expect(scrollToMessage({...input([m]), height: 1}, 'x1')).toBe(rows.length - 2);
	});

	it('cuts reactions to the width with a +N for the rest (wide emoji measured as two columns)', () => {
		const many = Object.fromEntries(['😀', '😃', '😄', '😁', '😆', '😅', '🤣', '😂'].map((e) => [e, ['bob']]));
		const m = {...msg('x1', at, 'hi'), reactions: many};
		const row = visibleThreadRows(input([m], {width: 30})).rows.at(-1)!;
		if (row.kind !== 'reactions') throw new Error('no reactions row');
		const text = row.items.map((i) => (i.emoji === '+' ? `+${i.count}` : `${i.emoji} ${i.count}`)).join('  ');
		expect(row.indent + displayWidth(text)).toBeLessThanOrEqual(30);
		expect(row.items.at(-1)!.emoji).toBe('+');
		expect(row.items.reduce((n, i) => n + (i.emoji === '+' ? i.count : 1), 0)).toBe(8);
	});

	it('highlights a message that mentions me, not my own', () => {
		const rows = visibleThreadRows(input([msg('a', at, 'hey @alice look'), msg('b', at, 'hey @bob', 'alice'), msg('c', at, 'no mention')])).rows;
		const flags = rows.filter((r) => r.kind === 'message').map((r) => r.kind === 'message' && r.isMention === true);
		expect(flags).toEqual([true, false, false]);
	});
});
