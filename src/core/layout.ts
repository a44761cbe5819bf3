// Screen layout maths: how many cells each pane gets for a terminal size.
// Pure: no imports. Shared by the reducer (page sizes) and the TUI (box sizes).

/** Cell sizes of every part of the screen; all values in terminal columns / rows. */
export interface Layout {
	columns: number;
	/** Terminal rows (the frame uses `height`, one less). */
	rows: number;
	/** Outer width of the conversation list box (with its border). */
	listWidth: number;
	/** Rows inside the list box. */
	listRows: number;
	/** Outer width of the thread and composer boxes. */
	threadWidth: number;
	/** Columns inside the thread box, available to message rows. */
	threadInnerWidth: number;
	/** Message rows visible in the thread (between its header and the typing line). */
	threadRows: number;
	/** Outer height of the thread box. */
	threadBoxRows: number;
	/** Outer height of the composer box. */
	composerRows: number;
	/** Rows the whole screen renders: the terminal's rows minus one spare. */
	height: number;
}

/** Rows each conversation takes in the list (name line + preview line). */
export const LIST_ENTRY_ROWS = 2;
const STATUS_ROWS = 1;
/** Composer box rows around its text lines (the border). */
const COMPOSER_CHROME_ROWS = 2;
/** The composer grows with a multi-line draft up to this many text lines, then scrolls. */
export const MAX_COMPOSER_LINES = 5;
const BORDER = 2;
/** Header (peer name) and typing line inside the thread box. */
const THREAD_CHROME_ROWS = 2;

/**
 * Split a terminal of `columns` × `rows` cells into list, thread, composer and status bar.
 * The frame uses `rows - 1` rows (see `height`). Never returns a size below 1, so a tiny
 * terminal still renders (clipped). `composerLines` (1 … {@link MAX_COMPOSER_LINES}) is the
 * height of the draft: the composer grows by taking rows from the thread.
 */
export function calculateLayout(columns: number, rows: number, composerLines = 1): Layout {
	const c = Math.max(20, Math.floor(columns));
	// One spare row: when a frame is as tall as the terminal, Ink 6 clears the whole
	// screen on every render (ink.js onRender, lastOutputHeight >= rows), which flickers.
	const r = Math.max(10, Math.floor(rows)) - 1;
	const listWidth = Math.min(36, Math.max(16, Math.floor(c * 0.3)));
	const mainRows = r - STATUS_ROWS;
	const threadWidth = c - listWidth;
	const composerRows = COMPOSER_CHROME_ROWS + Math.min(MAX_COMPOSER_LINES, Math.max(1, Math.floor(composerLines)));
	const threadBoxRows = mainRows - composerRows;
	return {
		columns: c,
		rows: r + 1,
		listWidth,
		listRows: Math.max(1, mainRows - BORDER),
		threadWidth,
		threadInnerWidth: Math.max(1, threadWidth - BORDER),
		threadRows: Math.max(1, threadBoxRows - BORDER - THREAD_CHROME_ROWS),
		threadBoxRows,
		composerRows,
		height: r,
	};
}

/** How many conversations fit in the list, and the first one to show so `selected` is visible. */
export function listWindow(count: number, selected: number, listRows: number): {start: number; size: number} {
	const size = Math.max(1, Math.floor(listRows / LIST_ENTRY_ROWS));
	if (count <= size || selected < 0) return {start: 0, size};
	const start = Math.min(Math.max(0, selected - size + 1), count - size);
	return {start, size};
}
