// The help overlay: every key of the active key map and every command.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {COMMAND_HELP} from '../core/commands.js';
import {COMPOSER_KEYS, describeKey} from '../core/key-help.js';
import {KEY_ACTIONS, type KeyAction, type Keymap} from '../core/keymap.js';
import {MESSAGE_KEY_ACTIONS} from '../core/message-keys.js';
import {truncate, wrapText} from '../core/text-layout.js';
import {COLORS} from './theme.js';

const KEY_COLUMNS = 14;
/** The keys on the selected message get their own section; the rest are listed under "Keys". */
const MESSAGE_ACTIONS = (Object.keys(KEY_ACTIONS) as KeyAction[]).filter((action) => MESSAGE_KEY_ACTIONS.has(action));
const PANE_ACTIONS = (Object.keys(KEY_ACTIONS) as KeyAction[]).filter((action) => !MESSAGE_KEY_ACTIONS.has(action));
const COMPOSER_KEY_COLUMNS = 14;
/** Inner width from which the composer keys get a third column (else they follow the commands). */
const THREE_COLUMNS = 96;

/** Props of {@link HelpOverlay}. */
export interface HelpOverlayProps {
	keymap: Keymap;
	/** Outer size of the overlay box (border included), in columns and rows. */
	width: number;
	height: number;
}

/** Keys on the left, commands in the middle, composer keys on the right (or below the commands); Esc or ? closes. */
export const HelpOverlay = memo(function HelpOverlay({keymap, width, height}: HelpOverlayProps) {
	const inner = Math.max(20, width - 2);
	const isThreeColumns = inner >= THREE_COLUMNS;
	const half = Math.min(KEY_COLUMNS + 28, isThreeColumns ? KEY_COLUMNS + 26 : Math.floor(inner / 2));
	const composerWidth = isThreeColumns ? Math.min(COMPOSER_KEY_COLUMNS + 30, Math.floor((inner - half) / 2)) : 0;
	const commandsWidth = inner - half - composerWidth;
	// Two lines per command when they fit (borders, title, hint and heading take 5 rows), else one.
	const composerRows = isThreeColumns ? 0 : COMPOSER_KEYS.length + 1 + MESSAGE_KEY_ACTIONS.size + 1;
	const isRoomy = COMMAND_HELP.length * 2 + composerRows <= height - 5;
	// In its own column the composer keys take two lines each when they fit, like the commands.
	const isComposerRoomy = isThreeColumns && COMPOSER_KEYS.length * 2 + MESSAGE_KEY_ACTIONS.size + 2 <= height - 5;
	const composerKeys = (
		<Box flexDirection="column" width={isThreeColumns ? composerWidth : commandsWidth} flexShrink={0}>
			<Text underline>In the composer</Text>
			{COMPOSER_KEYS.map(([keys, what]) =>
				isComposerRoomy ? (
					<Box key={keys} flexDirection="column" flexShrink={0}>
						<Text color={COLORS.focus} wrap="truncate">
							{keys}
						</Text>
						<Text dimColor wrap="truncate">
							{'  '}
							{what}
						</Text>
					</Box>
				) : (
					<Text key={keys} wrap="truncate">
						<Text color={COLORS.focus}>{keys.padEnd(COMPOSER_KEY_COLUMNS)}</Text> <Text dimColor>{what}</Text>
					</Text>
				),
			)}
		</Box>
	);
	const messageKeys = (
		<Box flexDirection="column" flexShrink={0}>
			<Text underline>On the selected message</Text>
			{MESSAGE_ACTIONS.map((action) => (
				<Text key={action} wrap="truncate">
					<Text color={COLORS.focus}>{keymap[action].map(describeKey).join(' ').padEnd(3)}</Text> <Text dimColor>{KEY_ACTIONS[action]}</Text>
				</Text>
			))}
		</Box>
	);
	const keysColumn = (
		<Box flexDirection="column" width={half} flexShrink={0}>
			<Text underline>Keys</Text>
			{PANE_ACTIONS.map((action) => (
				<Text key={action} wrap="truncate">
					<Text color={COLORS.focus}>{keymap[action].map(describeKey).join(' ').padEnd(KEY_COLUMNS)}</Text>
					{truncate(KEY_ACTIONS[action], Math.max(1, half - KEY_COLUMNS - 1))}
				</Text>
			))}
		</Box>
	);
	// Too small for a line per command (e.g. 80×24): the command names, wrapped, then the
	// composer keys the same way, so nothing is drawn over anything else.
	const isCompact = !isThreeColumns && COMMAND_HELP.length + composerRows + 1 > height - 5;
	if (isCompact) {
		const names = [...new Set(COMMAND_HELP.map(([usage]) => usage.split(/\s+/).filter((word) => word.startsWith('/')).join(' ')))].join('  ');
		const editing = COMPOSER_KEYS.map(([keys, what]) => `${keys} ${what}`).join(' · ');
		const nameLines = wrapText(names, commandsWidth - 1);
		// What is left under the commands and the message keys (borders, title and two headings
		// take 5 rows): the composer keys are cut to it, with a pointer to the full list.
		const room = Math.max(1, height - 6 - nameLines.length - MESSAGE_ACTIONS.length - 1);
		const wrapped = wrapText(editing, commandsWidth);
		const composerLines = wrapped.length <= room ? wrapped : [...wrapped.slice(0, room - 1), '… all keys: a larger window or README'];
		return (
			<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
				<Box flexShrink={0}>
					<Text bold>Help — Esc or ? closes</Text>
				</Box>
				<Box flexDirection="row">
					{keysColumn}
					<Box flexDirection="column" width={commandsWidth}>
						<Text underline wrap="truncate">
							Commands (a larger window shows their arguments)
						</Text>
						{nameLines.map((line, i) => (
							<Text key={`c${i}`} color={COLORS.focus} wrap="truncate">
								{line}
							</Text>
						))}
						{messageKeys}
						<Text underline>In the composer</Text>
						{composerLines.map((line, i) => (
							<Text key={`k${i}`} dimColor wrap="truncate">
								{line}
							</Text>
						))}
					</Box>
				</Box>
			</Box>
		);
	}
	const usageWidth = Math.max(...COMMAND_HELP.map(([usage]) => usage.length));
	const hasRoomForWhat = commandsWidth - usageWidth - 1 >= 12;
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Box flexShrink={0}>
				<Text bold>Help — Esc or ? closes</Text>
			</Box>
			<Text dimColor wrap="truncate">
				Rebind keys in the config file: &quot;keymap&quot;: {'{'}&quot;switcher&quot;: &quot;ctrl+p&quot;{'}'} — actions: {Object.keys(KEY_ACTIONS).join(' ')}
			</Text>
			<Box flexDirection="row">
				{keysColumn}
				<Box flexDirection="column" width={commandsWidth}>
					<Text underline>Commands</Text>
					{COMMAND_HELP.map(([usage, what]) =>
						isRoomy ? (
							<Box key={usage} flexDirection="column" flexShrink={0}>
								<Text color={COLORS.focus} wrap="truncate">
									{usage}
								</Text>
								<Text dimColor wrap="truncate">
									{'  '}
									{what}
								</Text>
							</Box>
						) : (
							<Text key={usage} wrap="truncate">
								<Text color={COLORS.focus}>{hasRoomForWhat ? usage.padEnd(usageWidth) : usage}</Text>
								{hasRoomForWhat ? <Text dimColor> {what}</Text> : null}
							</Text>
						),
					)}
					{isThreeColumns ? null : composerKeys}
					{isThreeColumns ? null : messageKeys}
				</Box>
				{isThreeColumns ? (
					<Box flexDirection="column" width={composerWidth} flexShrink={0}>
						{composerKeys}
						{messageKeys}
					</Box>
				) : null}
			</Box>
		</Box>
	);
});
