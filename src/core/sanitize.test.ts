import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {MAX_COMBINING_MARKS, sanitizeInline, sanitizeText} from './sanitize.js';

/** ESC, BEL, C0 other than \n, DEL and C1: none of these may survive sanitizeText. */
const FORBIDDEN_TEXT = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;
const FORBIDDEN_INLINE = /[\u0000-\u001f\u007f-\u009f]/u;
/** Bidi overrides, embeddings, isolates and marks. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** Characters an attacker reaches for; the generators below are biased toward them. */
const HOSTILE = [
	'\x1b', '\x1b[', '\x1b]', '\x1bP', '\x1b_', '\x1b^', '\x1bX', '\x1b\\', '\x07', '\x08', '\r', '\r\n', '\n', '\t', '\x00',
	'\x7f', '\x9b', '\x9d', '\x90', '\x9c', '\x85', '\u202e', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e',
	'\u200f', '\u061c', '\u200b', '\u200c', '\u200d', '\u2060', '\u2064', '\ufeff', '\u180e', '\u00ad', '\u2028', '\u2029',
	'\u{e0001}', '\u{e0041}', '\u{e007f}', '\u{1f3f4}', '\ufe0f', '\ufe0e', '\u{e0100}', '\u0301', '\u0336', '\u20e3',
	'\u{1f3fd}', '👩', '💻', '❤', 'क', '्', 'ب', '\u3164', '\ud800', '\udc00', '[2J', ']0;', 'a', ' ',
];
const hostileString = fc
	.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({unit: 'binary', maxLength: 3})), {maxLength: 40})
	.map((parts) => parts.join(''));
const anyString = fc.oneof(fc.string({unit: 'binary'}), fc.string({unit: 'grapheme'}), hostileString);

describe('sanitize properties', () => {
	it('sanitizeText output never contains ESC, BEL, C0 (except \\n), DEL, C1, bidi controls or lone surrogates', () => {
		fc.assert(
			fc.property(anyString, (s) => {
				const out = sanitizeText(s);
				expect(out).not.toMatch(FORBIDDEN_TEXT);
				expect(out).not.toMatch(BIDI);
				expect(LONE_SURROGATE.test(out)).toBe(false);
			}),
			{numRuns: 2000},
		);
	});

	it('sanitizeInline output never contains any C0 (not even \\n), DEL, C1 or bidi controls', () => {
		fc.assert(
			fc.property(anyString, (s) => {
				const out = sanitizeInline(s);
				expect(out).not.toMatch(FORBIDDEN_INLINE);
				expect(out).not.toMatch(BIDI);
			}),
			{numRuns: 2000},
		);
	});

	it('is idempotent: sanitizing twice equals sanitizing once', () => {
		fc.assert(
			fc.property(anyString, (s) => {
				const once = sanitizeText(s);
				expect(sanitizeText(once)).toBe(once);
				const inline = sanitizeInline(s);
				expect(sanitizeInline(inline)).toBe(inline);
			}),
			{numRuns: 3000},
		);
	});

	it('leaves ordinary printable text unchanged', () => {
		fc.assert(
			fc.property(fc.string({unit: 'grapheme-ascii'}), (s) => {
				const printable = s.replace(/[\x00-\x1f\x7f]/g, '');
				expect(sanitizeText(printable)).toBe(printable);
			}),
		);
	});
});

describe('sanitizeText: terminal control sequences are made visible', () => {
	it.each([
		['CSI clear screen', '\x1b[2J\x1b[H', '␛[2J␛[H'],
		['CSI cursor move', 'a\x1b[10;5Hb', 'a␛[10;5Hb'],
		['OSC 0 title', '\x1b]0;pwned\x07', '␛]0;pwned␇'],
		['OSC 8 hyperlink', '\x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\', '␛]8;;https://evil␛\\click␛]8;;␛\\'],
		['OSC 52 clipboard', '\x1b]52;c;cm0gLXJmIH4=\x07', '␛]52;c;cm0gLXJmIH4=␇'],
		['DCS', '\x1bP+q544e\x1b\\', '␛P+q544e␛\\'],
		['APC', '\x1b_Gf=100;AAAA\x1b\\', '␛_Gf=100;AAAA␛\\'],
		['PM and SOS', '\x1b^x\x1b\\\x1bXy\x1b\\', '␛^x␛\\␛Xy␛\\'],
		['bare ESC', 'a\x1bb', 'a␛b'],
		['BEL', 'ding\x07', 'ding␇'],
		['NUL and DEL', '\x00\x7f', '␀␡'],
		['vertical tab and form feed', '\x0b\x0c', '␋␌'],
	])('%s', (_name, input, expected) => {
		expect(sanitizeText(input)).toBe(expected);
	});

	it('shows 8-bit C1 controls (0x9b CSI, 0x9d OSC, 0x85 NEL) as <U+XXXX>', () => {
		expect(sanitizeText('\x9b2J')).toBe('<U+009B>2J');
		expect(sanitizeText('\x9d0;t\x9c')).toBe('<U+009D>0;t<U+009C>');
		expect(sanitizeText('a\x85b')).toBe('a<U+0085>b');
	});

	it('defuses CR overwrite and backspace tricks', () => {
		expect(sanitizeText('rm -rf /\rls -la    ')).toBe('rm -rf /␍ls -la    ');
		expect(sanitizeText('safe\b\b\b\bevil')).toBe('safe␈␈␈␈evil');
	});

	it('keeps \\n, turns \\r\\n into \\n and a tab into 4 spaces', () => {
		expect(sanitizeText('a\r\nb\nc')).toBe('a\nb\nc');
		expect(sanitizeText('\tx')).toBe('    x');
	});

	it('shows line and paragraph separators', () => {
		expect(sanitizeText('a\u2028b\u2029c')).toBe('a<U+2028>b<U+2029>c');
	});
});

describe('sanitizeText: bidi and invisible characters', () => {
	it('makes a right-to-left override spoof visible', () => {
		expect(sanitizeText('invoice\u202egpj.exe')).toBe('invoice<U+202E>gpj.exe');
	});

	it.each([
		['\u202a', 'U+202A'], ['\u202b', 'U+202B'], ['\u202c', 'U+202C'], ['\u202d', 'U+202D'],
		['\u2066', 'U+2066'], ['\u2067', 'U+2067'], ['\u2068', 'U+2068'], ['\u2069', 'U+2069'],
		['\u200e', 'U+200E'], ['\u200f', 'U+200F'], ['\u061c', 'U+061C'],
	])('bidi control %j → <%s>', (ch, name) => {
		expect(sanitizeText(`x${ch}y`)).toBe(`x<${name}>y`);
	});

	it.each([
		['\u200b', 'U+200B'], ['\u2060', 'U+2060'], ['\u2061', 'U+2061'], ['\u2064', 'U+2064'], ['\ufeff', 'U+FEFF'],
		['\u180e', 'U+180E'], ['\u00ad', 'U+00AD'], ['\u3164', 'U+3164'], ['\u{e0001}', 'U+E0001'],
	])('invisible character %j → <%s>', (ch, name) => {
		expect(sanitizeText(`pay${ch}pal`)).toBe(`pay<${name}>pal`);
	});

	it('makes ZWJ and ZWNJ between Latin letters visible', () => {
		expect(sanitizeText('ad\u200dmin')).toBe('ad<U+200D>min');
		expect(sanitizeText('ad\u200cmin')).toBe('ad<U+200C>min');
	});

	it('shows tag characters outside a flag sequence (ASCII smuggling)', () => {
		expect(sanitizeText('hi\u{e0069}\u{e0067}')).toBe('hi<U+E0069><U+E0067>');
	});
});

describe('sanitizeText: legitimate text is kept', () => {
	it.each([
		['emoji ZWJ sequence', '👩‍💻 and 👨‍👩‍👧'],
		['emoji with skin tone and ZWJ', '🧑🏽‍💻'],
		['emoji with VS16 before ZWJ', '👁️‍🗨️ 🏳️‍🌈'],
		['variation selectors', '❤️ ☺︎ #️⃣'],
		['subdivision flag tag sequence', '🏴\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}'],
		['CJK', '你好，世界'],
		['combining marks', 'e\u0301 n\u0303 Tiếng Việt'],
		['Devanagari with ZWJ/ZWNJ', 'क्\u200dष क्\u200cष'],
		['Persian with ZWNJ', 'می\u200cخواهم'],
		['Hebrew and Arabic letters', 'שלום مرحبا'],
	])('%s', (_name, input) => {
		expect(sanitizeText(input)).toBe(input);
	});

	it('replaces lone surrogates with U+FFFD', () => {
		expect(sanitizeText('a\ud800b\udc00')).toBe('a\ufffdb\ufffd');
		expect(sanitizeText('😀')).toBe('😀');
	});
});

describe('sanitizeText: combining-character floods', () => {
	it(`keeps at most ${MAX_COMBINING_MARKS} marks on one base`, () => {
		const zalgo = 'Z' + '\u0336\u0337\u0338'.repeat(20) + 'a';
		const out = sanitizeText(zalgo);
		expect([...out].length).toBe(1 + MAX_COMBINING_MARKS + 1);
		expect(out.startsWith('Z\u0336\u0337\u0338')).toBe(true);
	});

	it('gives a leading mark a dotted circle base so it cannot combine with the UI border', () => {
		expect(sanitizeText('\u0301x')).toBe('\u25cc\u0301x');
		expect(sanitizeText('a\n\u0301')).toBe('a\n\u25cc\u0301');
	});

	it('shows a stray or repeated variation selector (data smuggling)', () => {
		expect(sanitizeText('a\ufe0f\ufe01')).toBe('a\ufe0f<U+FE01>');
		expect(sanitizeText('\ufe0f')).toBe('<U+FE0F>');
	});
});

describe('sanitizeInline', () => {
	it('shows line breaks as ␤ and tabs as a space', () => {
		expect(sanitizeInline('Mallory\nAdmin:\tok\r\n')).toBe('Mallory␤Admin: ok␤');
	});

	it('applies the same rules as sanitizeText otherwise', () => {
		expect(sanitizeInline('\x1b]0;x\x07\u202eabc')).toBe('␛]0;x␇<U+202E>abc');
		expect(sanitizeInline('👩‍💻 Ana')).toBe('👩‍💻 Ana');
	});
});
