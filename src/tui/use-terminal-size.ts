// The terminal size in cells, updated on resize.
// May import react and ink.
import {useStdout} from 'ink';
import {useEffect, useState} from 'react';

/** Terminal size in columns × rows. */
export interface TerminalSize {
	columns: number;
	rows: number;
}

/**
 * The current size of Ink's stdout (80×24 when it is not a terminal), re-read on
 * every `resize` event so the layout is recomputed and redrawn.
 */
export function useTerminalSize(): TerminalSize {
	const {stdout} = useStdout();
	const read = (): TerminalSize => ({columns: stdout.columns || 80, rows: stdout.rows || 24});
	const [size, setSize] = useState(read);
	useEffect(() => {
		const onResize = (): void => setSize(read());
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [stdout]);
	return size;
}
