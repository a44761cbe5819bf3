// Terminal notifications for new messages: BEL, OSC 9 (iTerm2, WezTerm, Windows Terminal, kitty)
// and OSC 777 (VTE/GNOME Terminal, urxvt, foot). May import core only; writes nothing itself.
import {sanitizeInline} from '../core/sanitize.js';
import {truncate} from '../core/text-layout.js';

/** Which notification escape to emit: a plain bell, OSC 9, or OSC 777 `notify`. */
export type NotificationKind = 'bell' | 'osc9' | 'osc777';

/** Longest notification title kept, in terminal columns (longer titles end in `…`). */
export const NOTIFY_TITLE_MAX = 60;
/** Longest notification body kept, in terminal columns (longer bodies end in `…`). */
export const NOTIFY_BODY_MAX = 200;

const BEL = '\x07';
const OSC = '\x1b]';
/** C0, DEL and C1 controls: BEL, ESC \ and 0x9C end an OSC string early, CAN/SUB abort it. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/gu;

/**
 * Makes untrusted text safe inside an OSC string field: every control is stripped (a run of them
 * becomes one space), bidi/invisible characters are made visible by {@link sanitizeInline}, `;`
 * (the OSC field separator) becomes `,`, and the result is truncated to `maxColumns`.
 */
function oscField(text: string, maxColumns: number): string {
	const plain = sanitizeInline(text.replace(CONTROLS, ' ')).replace(/;/g, ',').trim();
	return truncate(plain, maxColumns);
}

/**
 * Builds the escape sequence that asks the terminal for a notification. `title` (e.g. the
 * sender's display name) and `body` (the message preview) are untrusted and cleaned (see
 * {@link oscField}); nothing from them can end the OSC string or start another sequence.
 * - `bell`: `\x07` (title and body unused).
 * - `osc9`: `ESC ] 9 ; <title>: <body> BEL` — OSC 9 has one text field, so the title leads it; a
 *   text starting with a digit gets a leading space so ConEmu/Windows Terminal cannot read it as
 *   an OSC 9 sub-command (`9;4;…` is progress).
 * - `osc777`: `ESC ] 777 ; notify ; <title> ; <body> BEL`.
 * Write the result to stdout only while the TUI owns the terminal (it is not visible text).
 */
export function notificationSequence(kind: NotificationKind, title: string, body: string): string {
	if (kind === 'bell') return BEL;
	const cleanTitle = oscField(title, NOTIFY_TITLE_MAX);
	const cleanBody = oscField(body, NOTIFY_BODY_MAX);
	if (kind === 'osc777') return `${OSC}777;notify;${cleanTitle};${cleanBody}${BEL}`;
	const text = cleanTitle === '' ? cleanBody : `${cleanTitle}: ${cleanBody}`;
	return `${OSC}9;${/^\d/.test(text) ? ' ' : ''}${text}${BEL}`;
}
