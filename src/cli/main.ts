#!/usr/bin/env node
// The `hermes-chat` executable: parses arguments and hands off to one command.
// Composition root; may import every layer. The only place that calls process.exit.
import {readFileSync} from 'node:fs';
import {Command} from 'commander';
import {addBrokerCommands} from './commands/account-broker.js';
import {accountCommand} from './commands/account.js';
import {chatCommand} from './commands/chat.js';
import {hubCommand} from './commands/hub.js';
import {ingestCommand} from './commands/ingest.js';
import {logoutCommand} from './commands/logout.js';
import {exportCommand} from './commands/export.js';
import {migrateCommand} from './commands/migrate.js';
import {statsCommand} from './commands/stats.js';
import {errorLine} from './errors.js';
import {examples} from './help.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
	version: string;
	description: string;
};

/** Build the program: `hermes-chat [chat]`, `ingest`, `migrate`, `hub`, `logout`, `account`, `stats`, `export`. */
export function buildProgram(): Command {
	const program = new Command('hermes-chat')
		.description(pkg.description)
		.version(pkg.version, '-V, --version', 'print the version and exit')
		.helpOption('-h, --help', 'show help for a command')
		.showSuggestionAfterError();
	program.addCommand(chatCommand(), {isDefault: true});
	program.addHelpText(
		'after',
		'\nWith no command, `chat` runs: `hermes-chat --user fredy` (see `hermes-chat chat --help` for its options).\n' +
			'With no --mqtt-url/--database-url (or MQTT_URL/DATABASE_URL), it starts or joins the embedded hub.\n' +
			examples([
				'hermes-chat                                  # chat (asks who you are on the first run, or when several ids are set up)',
				'hermes-chat --user fredy --name Fredy        # chat as fredy on the embedded hub',
				'hermes-chat hub status                       # is the embedded hub running? (exit 3 if not)',
				'hermes-chat ingest --database-url postgres://hermes@db/hermes --mqtt-url mqtt://broker:1883',
				'hermes-chat logout --user alice              # forget alice\'s saved account password',
				'hermes-chat chat --help                      # every option of the chat',
			]),
	);
	program.addCommand(ingestCommand());
	program.addCommand(migrateCommand());
	program.addCommand(hubCommand());
	program.addCommand(logoutCommand());
	program.addCommand(addBrokerCommands(accountCommand()));
	program.addCommand(statsCommand());
	program.addCommand(exportCommand());
	return program;
}

async function main(argv: string[]): Promise<void> {
	try {
		await buildProgram().parseAsync(argv);
	} catch (error) {
		process.stderr.write(`${errorLine(error)}\n`);
		if (process.env.HERMES_DEBUG) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
		process.exitCode = 1;
	}
}

await main(process.argv);
