// Makes untrusted text (message content, display names) safe to print on a terminal.
// Pure: no imports.

/**
 * Sanitizes multi-line untrusted text: `\n` is kept, every control is made visible.
 * Pure and idempotent.
 */
export function sanitizeText(text: string): string {
	return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => String.fromCodePoint(0x2400 + (c.codePointAt(0)! & 0x1f)));
}

/**
 * Sanitizes single-line untrusted text (display names, previews): like {@link sanitizeText}
 * but newlines are made visible too and a tab becomes a space.
 */
export function sanitizeInline(text: string): string {
	return sanitizeText(text.replace(/\t/g, ' ')).replace(/\n/g, '\u2424');
}
