// The help overlay: every key of the active key map and every command.
// May import react, ink, core/ and tui/.
import {Box, Text} from 'ink';
import {memo} from 'react';
import {COMMAND_HELP} from '../core/commands.js';
import {describeKey, KEY_ACTIONS, type KeyAction, type Keymap} from '../core/keymap.js';
import {truncate} from '../core/text-layout.js';
import {COLORS} from './theme.js';

/** Props of {@link HelpOverlay}. */
export interface HelpOverlayProps {
	keymap: Keymap;
	width: number;
	height: number;
}

/** Keys on the left, commands on the right; Esc or ? closes. */
export const HelpOverlay = memo(function HelpOverlay({keymap, width, height}: HelpOverlayProps) {
	const half = Math.max(10, Math.floor((width - 4) * 0.45));
	// Two lines per command when they fit (borders, title, hint and heading take 5 rows), else one.
	const isRoomy = COMMAND_HELP.length * 2 <= height - 5;
	const usageWidth = Math.max(...COMMAND_HELP.map(([usage]) => usage.length));
	return (
		<Box width={width} height={height} borderStyle="double" borderColor={COLORS.focus} flexDirection="column" overflow="hidden">
			<Text bold>Help — Esc or ? closes</Text>
			<Text dimColor wrap="truncate">
				Rebind keys in the config file: &quot;keymap&quot;: {'{'}&quot;switcher&quot;: &quot;ctrl+p&quot;{'}'} — actions: {Object.keys(KEY_ACTIONS).join(' ')}
			</Text>
			<Box flexDirection="row">
				<Box flexDirection="column" width={half}>
					<Text underline>Keys</Text>
					{(Object.keys(KEY_ACTIONS) as KeyAction[]).map((action) => (
						<Text key={action} wrap="truncate">
							<Text color={COLORS.focus}>{keymap[action].map(describeKey).join(' ').padEnd(14)}</Text>
							{truncate(KEY_ACTIONS[action], Math.max(1, half - 15))}
						</Text>
					))}
				</Box>
				<Box flexDirection="column" width={width - 4 - half}>
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
								<Text color={COLORS.focus}>{usage.padEnd(usageWidth)}</Text> <Text dimColor>{what}</Text>
							</Text>
						),
					)}
				</Box>
			</Box>
		</Box>
	);
});
