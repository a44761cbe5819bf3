import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {displayWidth} from '../core/text-layout.js';
import {NOTIFY_BODY_MAX, NOTIFY_TITLE_MAX, notificationSequence} from './notify.js';

/** Splits an OSC sequence into its fields, asserting the framing is exactly ESC ] … BEL. */
function oscFields(seq: string): string[] {
	expect(seq.startsWith('\x1b]')).toBe(true);
	expect(seq.endsWith('\x07')).toBe(true);
	const inner = seq.slice(2, -1);
	expect(inner).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/u);
	return inner.split(';');
}

describe('notificationSequence', () => {
	it('bell is a single BEL whatever the text', () => {
		expect(notificationSequence('bell', '\x1b]0;x', 'y')).toBe('\x07');
	});

	it('builds OSC 9 with title and body', () => {
		expect(notificationSequence('osc9', 'Ana', 'hi there')).toBe('\x1b]9;Ana: hi there\x07');
		expect(notificationSequence('osc9', '', 'hi')).toBe('\x1b]9;hi\x07');
	});

	it('builds OSC 777 notify with title and body', () => {
		expect(notificationSequence('osc777', 'Ana', 'hi there')).toBe('\x1b]777;notify;Ana;hi there\x07');
	});

	it('strips controls that would end the OSC string or start another sequence', () => {
		const seq = notificationSequence('osc777', 'Eve\x07\x1b]0;owned\x1b\\', 'a\x9cb\x1b[2Jc\nd\x18e');
		expect(oscFields(seq)).toEqual(['777', 'notify', 'Eve ]0,owned \\', 'a b [2Jc d e']);
	});

	it('replaces ; so the title cannot add fields', () => {
		expect(oscFields(notificationSequence('osc777', 'a;b;c', 'x;y'))).toEqual(['777', 'notify', 'a,b,c', 'x,y']);
		expect(oscFields(notificationSequence('osc9', 'a;b', 'c;d'))).toEqual(['9', 'a,b: c,d']);
	});

	it('keeps an OSC 9 text from being read as a ConEmu sub-command', () => {
		expect(notificationSequence('osc9', '', '4;3;50')).toBe('\x1b]9; 4,3,50\x07');
	});

	it('makes bidi overrides in the title visible', () => {
		expect(notificationSequence('osc777', 'Ana\u202eexe.txt', 'x')).toBe('\x1b]777;notify;Ana<U+202E>exe.txt;x\x07');
	});

	it('truncates title and body to a sane length', () => {
		const [, , title, body] = oscFields(notificationSequence('osc777', 'T'.repeat(500), '你'.repeat(500)));
		expect(displayWidth(title!)).toBeLessThanOrEqual(NOTIFY_TITLE_MAX);
		expect(displayWidth(body!)).toBeLessThanOrEqual(NOTIFY_BODY_MAX);
		expect(body!.endsWith('…')).toBe(true);
	});

	it('property: any title/body yields exactly 4 OSC 777 fields and no stray control', () => {
		fc.assert(
			fc.property(fc.string({unit: 'binary'}), fc.string({unit: 'binary'}), (title, body) => {
				expect(oscFields(notificationSequence('osc777', title, body))).toHaveLength(4);
				expect(oscFields(notificationSequence('osc9', title, body))).toHaveLength(2);
			}),
			{numRuns: 1000},
		);
	});
});
