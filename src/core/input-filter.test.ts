import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {createInputFilter, PASTE_END, PASTE_START} from './input-filter.js';

/** Run chunks through one filter; `null` stands for "no more input came in time" (flush). */
const run = (...chunks: Array<string | null>): string => {
	const filter = createInputFilter();
	return chunks.map((c) => (c === null ? filter.flush() : filter.push(c))).join('') + filter.flush();
};
const NON_KEY_CSI = /\u001b\[(?![ABCDHFZ]|1;\d{1,2}[ABCDHFZ]|\d{1,3}(?:;\d{1,2})?~)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]/;

describe('createInputFilter', () => {
	it('keeps the key sequences the TUI uses', () => {
		for (const key of ['\u001b[A', '\u001b[B', '\u001b[C', '\u001b[D', '\u001b[H', '\u001b[F', '\u001b[Z', '\u001b[5~', '\u001b[6~', '\u001b[3~', '\u001b[1;5A', '\u001b[5;5~']) {
			expect(run(key), JSON.stringify(key)).toBe(key);
		}
	});

	it('passes text, Escape, Alt+key and SS3 unchanged', () => {
		for (const s of ['hello 漢字 🙂', '\u001b', '\u001bx', '\u001bOP', '\r', '\u007f', '\u000b']) expect(run(s)).toBe(s);
	});

	it('drops the CSI sequences that crash Ink 6.8 (ink#901) and other non-key CSI', () => {
		expect(run('abc\u001b[8mdef')).toBe('abcdef');
		expect(run('\u001b[5L\u001b[6n\u001b[1;5P\u001b[2J\u001b[31;1mX')).toBe('X');
		expect(run('\u001b\u001b[8m!')).toBe('\u001b!');
		// Regressions (found by the property below): a passed ESC meeting text that reads as a CSI.
		expect(run('\u001b\u001b[a[a')).toBe('');
		expect(run('\u001b', '[\u001b[aa')).toBe('');
		expect(run('\u001b\u001b[A')).toBe('\u001b\u001b[A');
	});

	it('judges a sequence split across reads as a whole', () => {
		const filter = createInputFilter();
		expect(filter.push('a\u001b[1;')).toBe('a');
		expect(filter.isHolding()).toBe(true);
		expect(filter.push('5Ab')).toBe('\u001b[1;5Ab');
		expect(run('x\u001b', '[8m', 'y')).toBe('xy');
		expect(run('x\u001b', null, '[8my')).toBe('x\u001by');
		expect(run('\u001b', null, '[A')).toBe('\u001b[A');
		expect(run('x\u001b[12', null, ';5')).toBe('x;5');
	});

	it('never passes on a non-key CSI, however the input is split or paused', () => {
		const unit = fc.constantFrom('a', '\u001b', '[', '8', ';', '5', 'm', 'A', '~', '1', 'L', ' ');
		const chunk = fc.oneof(fc.string({unit, maxLength: 12}), fc.constant(null));
		fc.assert(
			fc.property(fc.array(chunk, {maxLength: 6}), (chunks) => {
				// Per piece handed to Ink: a released ESC (flush, "no more input came in time") is the
				// Escape key, and Ink has parsed it alone before the next piece arrives, so "ESC" then
				// "[a" typed later is two keys, not a CSI. (Joining all pieces made this test flaky.)
				const filter = createInputFilter();
				const pieces = [...chunks.map((c) => (c === null ? filter.flush() : filter.push(c))), filter.flush()];
				for (const piece of pieces) expect(piece).not.toMatch(NON_KEY_CSI);
			}),
			{numRuns: 2_000},
		);
	});
});

describe('pastes, mouse reports and modified Enter', () => {
	const segments = (...chunks: string[]) => {
		const filter = createInputFilter();
		return chunks.flatMap((c) => filter.pushSegments(c));
	};

	it('turns a bracketed paste into one paste segment, line breaks and escapes kept as text', () => {
		expect(segments('x\u001b[200~a\rb\rc\u001b[201~y')).toEqual([
			{kind: 'keys', text: 'x'},
			{kind: 'paste', text: 'a\rb\rc'},
			{kind: 'keys', text: 'y'},
		]);
		expect(segments(`${PASTE_START}\u001b[8mhi${PASTE_END}`)).toEqual([{kind: 'paste', text: '\u001b[8mhi'}]);
	});

	it('holds a paste over many chunks, also when a marker is split', () => {
		expect(segments('\u001b[20', '0~one\r', 'two\u001b[2', '01~', '!')).toEqual([
			{kind: 'paste', text: 'one\rtwo'},
			{kind: 'keys', text: '!'},
		]);
		const filter = createInputFilter();
		filter.push('\u001b[200~abc');
		expect(filter.isHolding()).toBe(false);
		expect(filter.flush()).toBe('');
	});

	it('reports left clicks and the wheel in SGR encoding; drops releases, motion and other buttons', () => {
		expect(segments('\u001b[<0;12;5M\u001b[<0;12;5m\u001b[<64;3;4M\u001b[<65;3;4M\u001b[<32;1;1M\u001b[<2;1;1M')).toEqual([
			{kind: 'mouse', event: {action: 'press', x: 12, y: 5}},
			{kind: 'mouse', event: {action: 'wheel-up', x: 3, y: 4}},
			{kind: 'mouse', event: {action: 'wheel-down', x: 3, y: 4}},
		]);
		expect(run('a\u001b[<0;1;1Mb')).toBe('ab');
	});

	it('passes Shift+Enter (CSI u, modifyOtherKeys) on as Alt+Enter, the newline key', () => {
		expect(run('\u001b[13;2u')).toBe('\u001b\r');
		expect(run('\u001b[27;2;13~')).toBe('\u001b\r');
	});
});
