// The start-up screen shown on the alternate screen while the embedded hub starts.
// May import react, ink and tui/run.tsx's screen constants.
import {Box, render, Text} from 'ink';
import {ENTER_SCREEN, LEAVE_SCREEN} from './run.js';
import {themeColor} from './theme.js';

/** One step of the start-up, as the hub reports it (e.g. `opening database`). */
export interface StartStep {
	label: string;
	/** Shown dimmed after the label, e.g. "first start creates it: ~5 s". */
	hint?: string;
}

/** Controls a visible {@link showStartScreen}. */
export interface StartScreen {
	/** Mark `label` as the step in progress (earlier steps are shown done). */
	update(label: string): void;
	/**
	 * Remove the screen. With `restore` the terminal leaves the alternate screen (an error
	 * follows); without it the screen stays alternate for the TUI that comes next.
	 */
	close(options?: {restore?: boolean}): void;
}

function StartView({title, steps, current}: {title: string; steps: readonly StartStep[]; current: number}) {
	return (
		<Box flexDirection="column" paddingX={2} paddingY={1}>
			<Text bold>{title}</Text>
			<Box flexDirection="column" marginTop={1}>
				{steps.map((step, index) => (
					<Text key={step.label} dimColor={index > current}>
						{index < current ? <Text color={themeColor('green')}>✓</Text> : index === current ? <Text color={themeColor('cyan')}>›</Text> : ' '}{' '}
						{step.label}
						{index === current && step.hint ? <Text dimColor>{`  (${step.hint})`}</Text> : null}
					</Text>
				))}
			</Box>
			<Box marginTop={1}>
				<Text dimColor>Ctrl+C cancels</Text>
			</Box>
		</Box>
	);
}

/**
 * Show `title` and a checklist of `steps` on the alternate screen until closed. While it
 * is shown, Ctrl+C (SIGINT) restores the terminal, prints the line `cancelLine()` returns (if
 * any) to stderr and exits with code 130, since nothing else owns the terminal yet.
 */
export function showStartScreen(
	title: string,
	steps: readonly StartStep[],
	stdout: NodeJS.WriteStream = process.stdout,
	cancelLine?: () => string | undefined,
): StartScreen {
	stdout.write(ENTER_SCREEN);
	let current = 0;
	const view = () => <StartView title={title} steps={steps} current={current} />;
	const instance = render(view(), {stdout, exitOnCtrlC: false, patchConsole: false});
	const onSigint = () => {
		instance.unmount();
		stdout.write(LEAVE_SCREEN);
		const line = cancelLine?.();
		if (line) process.stderr.write(`${line}\n`);
		process.exit(130);
	};
	process.once('SIGINT', onSigint);
	return {
		update(label) {
			const index = steps.findIndex((step) => step.label === label);
			if (index < 0 || index === current) return;
			current = index;
			instance.rerender(view());
		},
		close(options) {
			process.removeListener('SIGINT', onSigint);
			instance.unmount();
			if (options?.restore) stdout.write(LEAVE_SCREEN);
		},
	};
}
