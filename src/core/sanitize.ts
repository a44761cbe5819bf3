// Makes untrusted text (message content, display names) safe to print on a terminal.
// Pure: no imports. Every function here is total, idempotent and never throws.
//
// Policy (what happens to each class of character):
// - C0 controls and DEL become Unicode Control Pictures: ESC → ␛ (U+241B), BEL → ␇, CR → ␍,
//   BS → ␈, NUL → ␀, DEL → ␡. Because ESC itself is replaced, every CSI/OSC/DCS/APC/PM/SOS
//   sequence is defused and its remaining bytes show as plain text (e.g. `␛[2J`).
//   `\r\n` is a plain line break. A tab becomes spaces (4 in text, 1 inline) because its width
//   depends on the cursor column, which Ink cannot know.
// - C1 controls U+0080–U+009F (0x9B is an 8-bit CSI, 0x9D an 8-bit OSC), bidi overrides,
//   embeddings, isolates and marks (U+202A–202E, U+2066–2069, U+200E/200F, U+061C), every other
//   format character (Unicode category Cf: U+200B ZWSP, U+2060–2064, U+FEFF, U+180E, U+00AD,
//   tag characters U+E0000–E007F, …), line/paragraph separators U+2028/2029 and the blank
//   Hangul fillers are shown as the ASCII text `<U+XXXX>`. They are made visible rather than
//   stripped so that a spoof ("txt.exe" reversed by U+202E) is exposed, not silently altered.
// - Kept because they are legitimate and cannot reorder text outside the message:
//   U+200D ZWJ between two emoji (👩‍💻) or between letters of a script that needs it (Indic,
//   Arabic…), U+200C ZWNJ between letters of such scripts, tag characters inside a well-formed
//   emoji tag sequence (🏴 + tags + U+E007F, the England/Scotland/Wales flags), and one variation
//   selector directly after a base character (❤️, ☺︎, CJK ideographic variants).
// - Combining marks: at most {@link MAX_COMBINING_MARKS} in a row are kept (the rest are dropped)
//   so "Zalgo" floods cannot paint over neighbouring rows; a mark with no base (at the start of a
//   line) gets U+25CC ◌ as its base so it cannot combine with the UI's border.
// - Lone surrogates become U+FFFD.

/** Most consecutive combining marks kept after one base character; the excess is dropped. */
export const MAX_COMBINING_MARKS = 8;

/** Spaces a tab becomes in {@link sanitizeText}. */
const TAB_SPACES = '    ';
/** Shown in {@link sanitizeInline} where the text had a line break (␤ U+2424). */
const NEWLINE_SYMBOL = '\u2424';
const DOTTED_CIRCLE = '\u25CC';
const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const CANCEL_TAG = 0xe007f;
const BLACK_FLAG = 0x1f3f4;

const FORMAT = /^\p{Cf}$/u;
const MARK = /^[\p{Mn}\p{Me}]$/u;
const PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;
/** Scripts in which ZWJ/ZWNJ select a legitimate glyph form (shaping), not a disguise. */
const JOINING_SCRIPT =
	/^[\p{Script_Extensions=Arabic}\p{Script_Extensions=Syriac}\p{Script_Extensions=Nko}\p{Script_Extensions=Mongolian}\p{Script_Extensions=Devanagari}\p{Script_Extensions=Bengali}\p{Script_Extensions=Gurmukhi}\p{Script_Extensions=Gujarati}\p{Script_Extensions=Oriya}\p{Script_Extensions=Tamil}\p{Script_Extensions=Telugu}\p{Script_Extensions=Kannada}\p{Script_Extensions=Malayalam}\p{Script_Extensions=Sinhala}]$/u;

const isVariationSelector = (cp: number): boolean =>
	(cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
const isSkinTone = (cp: number): boolean => cp >= 0x1f3fb && cp <= 0x1f3ff;
const isTag = (cp: number): boolean => cp >= 0xe0000 && cp <= 0xe007f;
const isSurrogate = (cp: number): boolean => cp >= 0xd800 && cp <= 0xdfff;
const isHangulFiller = (cp: number): boolean => cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0;

/** Shows a code point as the visible ASCII text `<U+XXXX>`. */
const visible = (cp: number): string => `<U+${cp.toString(16).toUpperCase().padStart(4, '0')}>`;

/** Visible form of a C0 control or DEL: its Unicode Control Picture. */
const controlPicture = (cp: number): string => String.fromCodePoint(cp === 0x7f ? 0x2421 : 0x2400 + cp);

/** Characters that must never reach the terminal as themselves (before the keep-exceptions). */
const isDangerous = (cp: number): boolean =>
	cp < 0x20 ||
	(cp >= 0x7f && cp <= 0x9f) ||
	cp === 0x2028 ||
	cp === 0x2029 ||
	isHangulFiller(cp) ||
	FORMAT.test(String.fromCodePoint(cp));

const charOf = (cp: number | undefined): string => (cp === undefined ? '' : String.fromCodePoint(cp));

/** A character that prints as itself and can carry marks or a variation selector. */
const isBase = (cp: number | undefined): boolean =>
	cp !== undefined && cp !== 0x20 && !isDangerous(cp) && !MARK.test(charOf(cp));

/**
 * The emoji a joiner at `i` would join to on its left: the previous code point, looking past one
 * skin tone modifier or one kept variation selector (👁️‍🗨️, 🧑🏽‍💻).
 */
function emojiBefore(cps: readonly number[], i: number): number | undefined {
	const prev = cps[i - 1];
	if (prev !== undefined && (isSkinTone(prev) || (isVariationSelector(prev) && isBase(cps[i - 2])))) return cps[i - 2];
	return prev;
}

/** Previous code point before `i`, skipping combining marks (a letter's diacritics/vowel signs). */
function letterBefore(cps: readonly number[], i: number): number | undefined {
	let j = i - 1;
	while (j >= 0 && MARK.test(charOf(cps[j])) && !isVariationSelector(cps[j]!)) j--;
	return j >= 0 ? cps[j] : undefined;
}

const inJoiningScript = (cp: number | undefined): boolean =>
	cp !== undefined && !isDangerous(cp) && JOINING_SCRIPT.test(charOf(cp));

/** Whether the joiner at `i` (ZWJ or ZWNJ) is legitimate and may be kept. */
function isLegitJoiner(cps: readonly number[], i: number): boolean {
	const next = cps[i + 1];
	if (cps[i] === ZWJ && PICTOGRAPHIC.test(charOf(next)) && PICTOGRAPHIC.test(charOf(emojiBefore(cps, i)))) {
		return true;
	}
	return inJoiningScript(letterBefore(cps, i)) && inJoiningScript(next);
}

/** Length of a well-formed emoji tag sequence's tags starting at `i` (after 🏴), or 0. */
function tagRunLength(cps: readonly number[], i: number): number {
	if (cps[i - 1] !== BLACK_FLAG) return 0;
	let j = i;
	while (j < cps.length && cps[j]! >= 0xe0020 && cps[j]! <= 0xe007e) j++;
	return j > i && cps[j] === CANCEL_TAG ? j - i + 1 : 0;
}

/** Code points of `text`, with lone surrogates replaced by U+FFFD. */
function codePoints(text: string): number[] {
	const cps: number[] = [];
	for (const ch of text) {
		const cp = ch.codePointAt(0)!;
		cps.push(isSurrogate(cp) ? 0xfffd : cp);
	}
	return cps;
}

/**
 * Anything the core pass may change: controls, separators, Hangul fillers, format characters,
 * combining marks (incl. variation selectors) and lone surrogates. Text without any (most chat
 * messages) is returned as is.
 */
const NEEDS_WORK_TEXT = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u115f\u1160\u3164\uffa0\p{Cf}\p{Mn}\p{Me}\p{Cs}]/u;
const NEEDS_WORK_INLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u115f\u1160\u3164\uffa0\p{Cf}\p{Mn}\p{Me}\p{Cs}]/u;

/** Core pass shared by both entry points; `lineBreak` is what a line break becomes. */
function sanitize(text: string, lineBreak: string, tab: string): string {
	if (!(lineBreak === '\n' ? NEEDS_WORK_TEXT : NEEDS_WORK_INLINE).test(text)) return text;
	const cps = codePoints(text);
	let out = '';
	let marks = 0;
	for (let i = 0; i < cps.length; i++) {
		const cp = cps[i]!;
		const ch = String.fromCodePoint(cp);
		if (MARK.test(ch) && !(isVariationSelector(cp) && isBase(cps[i - 1]))) {
			if (isVariationSelector(cp)) {
				out += visible(cp);
				marks = 0;
				continue;
			}
			if (marks === 0 && !isBase(cps[i - 1]) && (i === 0 || cps[i - 1] === 0x0a)) {
				out += DOTTED_CIRCLE;
			}
			if (++marks <= MAX_COMBINING_MARKS) out += ch;
			continue;
		}
		if (!isVariationSelector(cp)) marks = 0;
		if (cp === 0x0a) out += lineBreak;
		else if (cp === 0x0d && cps[i + 1] === 0x0a) continue;
		else if (cp === 0x09) out += tab;
		else if (cp < 0x20 || cp === 0x7f) out += controlPicture(cp);
		else if ((cp === ZWJ || cp === ZWNJ) && isLegitJoiner(cps, i)) out += ch;
		else if (isTag(cp) && tagRunLength(cps, i) > 0) {
			const run = tagRunLength(cps, i);
			out += String.fromCodePoint(...cps.slice(i, i + run));
			i += run - 1;
		} else if (isDangerous(cp)) out += visible(cp);
		else out += ch;
	}
	return out;
}

/**
 * Sanitizes multi-line untrusted text (message content) for the terminal: `\n` (and `\r\n`) stay
 * line breaks, a tab becomes 4 spaces, every other control or invisible/reordering character is
 * made visible as described at the top of this file. Pure, total and idempotent:
 * `sanitizeText(sanitizeText(x)) === sanitizeText(x)`. The result never contains ESC, BEL, any
 * other C0 control except `\n`, DEL, or a C1 control (U+0080–U+009F).
 */
export function sanitizeText(text: string): string {
	return sanitize(text, '\n', TAB_SPACES);
}

/**
 * Sanitizes single-line untrusted text (display names, previews, notification bodies): like
 * {@link sanitizeText}, but a line break is shown as ␤ (U+2424) and a tab becomes one space, so
 * the result never contains `\n` either. Pure, total and idempotent.
 */
export function sanitizeInline(text: string): string {
	return sanitize(text, NEWLINE_SYMBOL, ' ');
}
