import {describe, expect, it} from 'vitest';
import {EMPTY_HISTORY, endRecall, HISTORY_LIMIT, recallInput, rememberInput, type InputHistory} from './input-history.js';

const remember = (history: InputHistory, conversation: string, ...texts: string[]): InputHistory =>
	texts.reduce((h, t) => rememberInput(h, conversation, t), history);

describe('input history', () => {
	it('recalls earlier inputs of this conversation with ↑, newest first, and ↓ gives back the draft', () => {
		const history = remember(remember(EMPTY_HISTORY, 'a:b', 'one', 'two'), 'a:c', 'elsewhere');
		const up1 = recallInput(history, 'a:b', -1, 'draft')!;
		expect(up1.text).toBe('two');
		const up2 = recallInput(up1.history, 'a:b', -1, 'two')!;
		expect(up2.text).toBe('one');
		expect(recallInput(up2.history, 'a:b', -1, 'one')).toBeUndefined();
		const down1 = recallInput(up2.history, 'a:b', 1, 'one')!;
		expect(down1.text).toBe('two');
		const down2 = recallInput(down1.history, 'a:b', 1, 'two')!;
		expect(down2.text).toBe('draft');
		expect(recallInput(down2.history, 'a:b', 1, 'draft')).toBeUndefined();
		expect(recallInput(history, 'a:c', -1, '')!.text).toBe('elsewhere');
		expect(recallInput(history, 'a:d', -1, '')).toBeUndefined();
	});

	it('keeps a repeat once, skips blanks, caps the length, and ends recall on edit', () => {
		const history = remember(EMPTY_HISTORY, 'x', 'same', 'same', '  ');
		expect(history.entries.x).toEqual(['same']);
		const many = remember(EMPTY_HISTORY, 'x', ...Array.from({length: HISTORY_LIMIT + 5}, (_, i) => `m${i}`));
		expect(many.entries.x).toHaveLength(HISTORY_LIMIT);
		expect(many.entries.x![0]).toBe('m5');
		const recalling = recallInput(history, 'x', -1, '')!.history;
		expect(recalling.position).toBe(1);
		expect(endRecall(recalling)).toEqual({...history, position: 0, stash: ''});
	});
});
