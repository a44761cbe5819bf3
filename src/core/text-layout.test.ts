import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {sanitizeText} from './sanitize.js';
import {displayWidth, truncate, wrapText} from './text-layout.js';

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});
const graphemesOf = (s: string): string[] => [...segmenter.segment(s)].map((x) => x.segment);

const SAMPLES = ['你好世界', '👩‍💻', '🇫🇷', 'e\u0301', 'a', ' ', 'こんにちは', '🧑🏽‍💻', '❤️', 'क्\u200dष', 'word ', '\n'];
const text = fc
	.array(fc.oneof(fc.constantFrom(...SAMPLES), fc.string({unit: 'grapheme', maxLength: 4})), {maxLength: 30})
	.map((parts) => sanitizeText(parts.join('')));

describe('displayWidth', () => {
	it.each([
		['abc', 3],
		['你好', 4],
		['👩‍💻', 2],
		['🇫🇷', 2],
		['e\u0301', 1],
		['❤️', 2],
		['', 0],
	])('%j is %i columns', (s, width) => {
		expect(displayWidth(s)).toBe(width);
	});
});

describe('wrapText', () => {
	it('wraps CJK two columns per character', () => {
		expect(wrapText('你好世界你好', 5)).toEqual(['你好', '世界', '你好']);
	});

	it('never splits an emoji ZWJ sequence or a flag', () => {
		expect(wrapText('👩‍💻👩‍💻👩‍💻', 3)).toEqual(['👩‍💻', '👩‍💻', '👩‍💻']);
		expect(wrapText('🇫🇷🇩🇪', 3)).toEqual(['🇫🇷', '🇩🇪']);
	});

	it('keeps combining marks with their base', () => {
		// wrap-ansi (like Ink's own wrapping) returns NFC: e + U+0301 becomes é.
		expect(wrapText('e\u0301e\u0301e\u0301e\u0301', 3)).toEqual(['ééé', 'é']);
		expect(wrapText('q\u0307\u0323q\u0307\u0323', 1)).toEqual(['q\u0323\u0307', 'q\u0323\u0307']);
	});

	it('breaks at spaces, keeps blank lines and leading indentation', () => {
		expect(wrapText('hello world foo bar', 7)).toEqual(['hello ', 'world ', 'foo bar']);
		expect(wrapText('a\n\n  b', 10)).toEqual(['a', '', '  b']);
		expect(wrapText('', 10)).toEqual(['']);
	});

	it('hard-wraps a word longer than the width', () => {
		expect(wrapText('aaaaaaaaaa', 4)).toEqual(['aaaa', 'aaaa', 'aa']);
	});

	it('never yields a row wider than width, even at width 1 with wide characters', () => {
		expect(wrapText('你a', 1)).toEqual(['…', 'a']);
		expect(wrapText('abc', 0)).toEqual(['a', 'b', 'c']);
		expect(wrapText('ab\u{1d158}\u{1d165}\u{1d16e}cd', 2)).toEqual(['ab', '…', 'cd']);
	});

	it('property: rows fit the width and together hold exactly the input graphemes (NFC)', () => {
		fc.assert(
			fc.property(text, fc.integer({min: 2, max: 60}), (s, width) => {
				const rows = wrapText(s, width);
				for (const row of rows) expect(displayWidth(row)).toBeLessThanOrEqual(width);
				// A grapheme wider than the row (string-width counts 𝅘𝅥𝅮 as 3) is shown as … on its own row.
				const expected = graphemesOf(s.normalize('NFC').replace(/\n/g, '')).map((g) => (displayWidth(g) > width ? '…' : g));
				expect(rows.flatMap(graphemesOf)).toEqual(expected);
			}),
			{numRuns: 1000},
		);
	});
});

describe('truncate', () => {
	it('returns text that fits unchanged', () => {
		expect(truncate('hello', 5)).toBe('hello');
		expect(truncate('你好', 4)).toBe('你好');
	});

	it('cuts with an ellipsis and respects width with wide characters', () => {
		expect(truncate('hello world', 8)).toBe('hello w…');
		expect(truncate('你好世界', 6)).toBe('你好…');
		expect(truncate('你好世界', 5)).toBe('你好…');
		expect(truncate('你好世界', 4)).toBe('你…');
	});

	it('never splits a grapheme', () => {
		expect(truncate('👩‍💻👩‍💻👩‍💻', 5)).toBe('👩‍💻👩‍💻…');
		expect(truncate('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…');
	});

	it('cuts at the first line break and handles tiny widths', () => {
		expect(truncate('one\ntwo', 20)).toBe('one…');
		expect(truncate('abc', 1)).toBe('…');
		expect(truncate('abc', 0)).toBe('');
	});

	it('property: result fits the width and is a prefix of the input (plus …)', () => {
		fc.assert(
			fc.property(text, fc.integer({min: 0, max: 40}), (s, width) => {
				const out = truncate(s, width);
				expect(displayWidth(out)).toBeLessThanOrEqual(width);
				const kept = out.endsWith('…') && out !== s ? out.slice(0, -1) : out;
				expect(s.startsWith(kept)).toBe(true);
				expect(graphemesOf(s).slice(0, graphemesOf(kept).length)).toEqual(graphemesOf(kept));
			}),
			{numRuns: 1000},
		);
	});
});
