// Help text shared by the commands (commander `addHelpText`). May import nothing.

/**
 * An `Examples:` block for `command.addHelpText('after', …)`: a blank line, `Examples:`, then
 * one `  $ <command>` line per entry (a `# comment` may follow a command on its line).
 */
export function examples(commands: readonly string[]): string {
	return `\nExamples:\n${commands.map((command) => `  $ ${command}`).join('\n')}\n`;
}
