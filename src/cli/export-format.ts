// Record formats of `hermes-chat export`: JSON Lines and CSV. Pure; may import nothing.

/** The export formats. */
export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A field value: text, a number, a list of ids (CSV: joined by spaces), or null (none). */
export type FieldValue = string | number | readonly string[] | null;

/**
 * One CSV record (RFC 4180) ending in `\n`: text fields always in double quotes with inner `"`
 * doubled, so commas, quotes and line breaks inside a message survive; numbers bare; a list
 * joined with single spaces (user ids contain none); null an empty unquoted field, which readers
 * such as DuckDB take as NULL (an empty text stays `""`). A small writer instead of a library: this
 * is the whole of the format, and the DuckDB round-trip test checks it against a real reader.
 */
export function csvRecord(values: readonly FieldValue[]): string {
	return `${values.map((value) => (value === null ? '' : typeof value === 'number' ? String(value) : `"${(typeof value === 'string' ? value : value.join(' ')).replaceAll('"', '""')}"`)).join(',')}\n`;
}

/**
 * One JSON Lines record (https://jsonlines.org): `JSON.stringify` of the object plus `\n`. JSON
 * escapes line breaks and C0 controls; U+2028/U+2029 and C1 controls are escaped too, so no
 * record can break a line-oriented or terminal-bound consumer.
 */
export function jsonlRecord(record: Readonly<Record<string, FieldValue>>): string {
	return `${JSON.stringify(record).replace(/[\u0080-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
