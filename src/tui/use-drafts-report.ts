// Reports the composer's drafts to the shell, debounced, and once more on unmount.
// May import react.
import {useCallback, useEffect, useRef} from 'react';

/** How long drafts wait after the last edit before they are reported, in ms. */
export const DRAFTS_DEBOUNCE_MS = 500;

/**
 * A stable `(drafts) => void` that calls `onDraftsChange` {@link DRAFTS_DEBOUNCE_MS} after the
 * last call, and at once on unmount when a report is pending (quitting right after typing
 * still saves the draft).
 */
export function useDraftsReport(onDraftsChange: ((drafts: Record<string, string>) => void) | undefined): (drafts: Record<string, string>) => void {
	const callback = useRef(onDraftsChange);
	callback.current = onDraftsChange;
	const timer = useRef<NodeJS.Timeout | undefined>(undefined);
	const pending = useRef<Record<string, string> | undefined>(undefined);
	const flush = useCallback(() => {
		clearTimeout(timer.current);
		const drafts = pending.current;
		pending.current = undefined;
		if (drafts) callback.current?.(drafts);
	}, []);
	useEffect(() => flush, [flush]);
	return useCallback(
		(drafts: Record<string, string>) => {
			pending.current = drafts;
			clearTimeout(timer.current);
			timer.current = setTimeout(flush, DRAFTS_DEBOUNCE_MS);
		},
		[flush],
	);
}
