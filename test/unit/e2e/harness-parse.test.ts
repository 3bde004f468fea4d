/** The e2e harness's parser of `n8n execute` output (pure string handling; no n8n needed). */
import { manualTriggerWorkflow, parseExecuteOutput, toExecutionResult, workflowId } from '../../e2e/harness';

const BAR = '====================================';

describe('parseExecuteOutput', () => {
	test('finds the success JSON after log lines and ignores trailing lines with braces', () => {
		const run = { data: { resultData: { runData: { A: [{ data: { main: [[{ json: { x: '}{"' } }]] } }] } } } };
		const out = `info {"not":"it"}\nExecution was successful:\n${BAR}\n${JSON.stringify(run, null, 2)}\nshutdown {x}\n`;
		const parsed = parseExecuteOutput(out);
		expect(parsed?.ok).toBe(true);
		const result = toExecutionResult(parsed!, out, 0);
		expect(result.ok).toBe(true);
		expect(result.items('A')).toEqual([{ x: '}{"' }]);
		expect(() => result.items('B')).toThrow('node "B" did not run; nodes that ran: A');
	});

	test('takes the failure JSON, not the second "Execution error:" block with the plain message', () => {
		const run = { data: { resultData: { runData: {}, error: { message: 'boom {', description: 'd', node: { name: 'N' } } } } };
		const out =
			`Execution was NOT successful. See log message for details.\nExecution error:\n${BAR}\n${JSON.stringify(run, null, 2)}\n` +
			`Error executing workflow. See log messages for details.\n\nExecution error:\n${BAR}\nboom {\nNodeOperationError: boom {\n`;
		const parsed = parseExecuteOutput(out);
		expect(parsed?.ok).toBe(false);
		const result = toExecutionResult(parsed!, out, 1);
		expect(result.ok).toBe(false);
		expect(result.error).toMatchObject({ message: 'boom {', description: 'd', node: 'N' });
	});

	test('N8N_LOG_LEVEL=debug: prefixed lines with metadata suffixes around the run JSON', () => {
		const run = { data: { resultData: { runData: { A: [{ data: { main: [[{ json: { x: 1 } }]] } }] } } } };
		const t = '2026-11-21T06:45:09.294Z | info  | ';
		const meta = ' {"file":"base-command.js","function":"log"}';
		const out =
			`${t}Execution was successful:${meta}\n${t}${BAR}${meta}\n${t}${JSON.stringify(run, null, 2)}${meta}\n` +
			`2026-11-21T06:45:09.397Z | debug | Shutting down {"scopes":["x"],"file":"m.js","function":"f"}\n`;
		const parsed = parseExecuteOutput(out);
		expect(parsed?.ok).toBe(true);
		expect(toExecutionResult(parsed!, out, 0).items('A')).toEqual([{ x: 1 }]);
	});

	test('a success marker with a non-zero exit code is not ok; no marker gives undefined', () => {
		const out = `Execution was successful:\n${BAR}\n{"data":{"resultData":{"runData":{}}}}\n`;
		expect(toExecutionResult(parseExecuteOutput(out)!, out, 1).ok).toBe(false);
		expect(parseExecuteOutput('Command "execute" not found')).toBeUndefined();
		expect(parseExecuteOutput(`Execution was successful:\n${BAR}\n{"data": {"truncated"`)).toBeUndefined();
	});
});

describe('workflow builders', () => {
	test('manualTriggerWorkflow chains the trigger and the nodes and gets a 16-character id', () => {
		const wf = manualTriggerWorkflow('My flow', [{ name: 'B', type: 't.b', typeVersion: 1, parameters: {} }]);
		expect(wf.id).toMatch(/^[A-Za-z0-9]{16}$/);
		expect(wf.nodes.map((n) => n.name)).toEqual(['Manual Trigger', 'B']);
		expect(wf.connections).toEqual({ 'Manual Trigger': { main: [[{ node: 'B', type: 'main', index: 0 }]] } });
		expect(workflowId()).toMatch(/^[A-Za-z0-9]{16}$/);
	});
});
