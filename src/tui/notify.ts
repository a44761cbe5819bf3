// Desktop/terminal notifications for new messages: BEL, OSC 9 (iTerm2, etc.) and OSC 777 (urxvt/VTE).
// May import core only.

/** Kind of notification sequence. */
export type NotificationKind = 'bell' | 'osc9' | 'osc777';

const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f;]/g, ' ').slice(0, 200);

/** Builds the escape sequence for a notification; title/body are untrusted and are cleaned. */
export function notificationSequence(kind: NotificationKind, title: string, body: string): string {
	if (kind === 'bell') return '\x07';
	if (kind === 'osc9') return `\x1b]9;${clean(body)}\x07`;
	return `\x1b]777;notify;${clean(title)};${clean(body)}\x07`;
}
