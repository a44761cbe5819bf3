import {describe, expect, it} from 'vitest';
import {calculateLayout, listWindow} from './layout.js';

describe('calculateLayout', () => {
	it('splits 100×30 into list, thread, composer and status bar, leaving one spare row', () => {
		expect(calculateLayout(100, 30)).toEqual({
			columns: 100,
			rows: 30,
			listWidth: 30,
			listRows: 26,
			threadWidth: 70,
			threadInnerWidth: 68,
			threadRows: 21,
			threadBoxRows: 25,
			composerRows: 3,
			height: 29,
		});
	});

	it('keeps the list between 16 and 36 columns and never returns less than one row', () => {
		expect(calculateLayout(200, 60).listWidth).toBe(36);
		expect(calculateLayout(40, 12).listWidth).toBe(16);
		const tiny = calculateLayout(5, 3);
		expect(tiny.threadRows).toBeGreaterThanOrEqual(1);
		expect(tiny.threadInnerWidth).toBeGreaterThanOrEqual(1);
	});

	it('always adds up: list + thread = columns, thread box + composer + status = height', () => {
		for (const [c, r] of [[80, 24], [100, 30], [133, 41], [60, 15]] as const) {
			const l = calculateLayout(c, r);
			expect(l.listWidth + l.threadWidth).toBe(l.columns);
			expect(l.threadBoxRows + l.composerRows + 1).toBe(l.height);
		}
	});
});

describe('listWindow', () => {
	it('scrolls the list so the selected conversation stays visible', () => {
		expect(listWindow(5, 0, 26)).toEqual({start: 0, size: 13});
		expect(listWindow(40, 20, 26)).toEqual({start: 8, size: 13});
		expect(listWindow(40, 39, 26)).toEqual({start: 27, size: 13});
	});
});
