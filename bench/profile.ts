/**
 * Reads a V8 .cpuprofile (`node --cpu-prof`) and says where the time went inside a window: the
 * samples between the first and the last sample whose stack contains a frame matching `marker`
 * (the node's file, and a named function such as `execute`: a module's top-level code at load time
 * is an anonymous frame of the same file), so n8n start-up and shutdown are left out.
 */
import * as fs from 'node:fs';

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
	columnNumber: number;
}
interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}
interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

export interface ProfileSummary {
	file: string;
	/** Milliseconds between the first and last sample inside the node. */
	windowMs: number;
	sampledMs: number;
	/** Self time by package / category, ms and share of the window. */
	byCategory: Array<{ category: string; ms: number; pct: number }>;
	/** Heaviest functions by self time. */
	topFunctions: Array<{ fn: string; where: string; ms: number; pct: number }>;
	/** Time with a frame of these groups anywhere on the stack (inclusive), ms. */
	inclusive: Record<string, number>;
	/** Every sample of the window in exactly one bucket (first rule that matches), ms and share. */
	partition: Array<{ bucket: string; ms: number; pct: number }>;
}

/**
 * Buckets for "where the time goes", first match wins: waiting, GC, n8n's parameter/expression
 * resolution, the node's own code (and what it calls synchronously), HTTP client callbacks,
 * socket/TLS work in node core, the rest of n8n, other.
 */
export function partitionRules(nodeCode: RegExp): Array<{ bucket: string; test: (leaf: CallFrame, stack: CallFrame[]) => boolean }> {
	return [
		{ bucket: 'idle: waiting for the server / I/O', test: (leaf) => !leaf.url && leaf.functionName === '(idle)' },
		{ bucket: 'garbage collection', test: (leaf) => !leaf.url && leaf.functionName === '(garbage collector)' },
		{ bucket: 'n8n: parameters and expressions (getNodeParameter)', test: (_l, st) => st.some((f) => /getNodeParameter/.test(f.functionName)) },
		{ bucket: "the node's code and what it calls synchronously", test: (_l, st) => st.some((f) => nodeCode.test(f.url)) },
		{ bucket: 'HTTP client callbacks (response parsing)', test: (_l, st) => st.some((f) => /\/(undici|axios|follow-redirects|request)\//.test(f.url)) },
		{
			bucket: 'sockets and TLS (node core)',
			test: (leaf, st) => /^write\w*String$|^onStreamRead$/.test(leaf.functionName) || st.some((f) => /^node:(internal\/)?(tls|_tls|net|stream|https?|crypto|internal\/stream|internal\/tls)/.test(f.url)),
		},
		{ bucket: 'n8n engine (events, database, task runner)', test: (_l, st) => st.some((f) => /n8n-core|n8n-workflow|@n8n\/|typeorm|sqlite3|tarn|\/n8n\/dist|\/ws\//.test(f.url)) },
		{ bucket: 'other (V8, microtasks, timers)', test: () => true },
	];
}

/** Category of a frame: special V8 nodes, this package, node core, or the npm package it comes from. */
export function categoryOf(frame: CallFrame): string {
	const { url, functionName } = frame;
	if (!url) {
		if (functionName === '(garbage collector)') return 'GC';
		if (functionName === '(idle)') return 'idle (waiting for I/O)';
		if (functionName === '(program)') return 'V8/native (program)';
		return `native ${functionName || '(anonymous)'}`;
	}
	if (url.startsWith('node:')) {
		if (/tls|crypto|https/.test(url)) return 'node:tls/crypto';
		if (/net|stream|http/.test(url)) return 'node:net/stream/http';
		return 'node core (other)';
	}
	const i = url.lastIndexOf('node_modules/');
	if (i >= 0) {
		// The package's own dependencies live in its node_modules: the innermost package decides.
		const rest = url.slice(i + 'node_modules/'.length).split('/');
		const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
		return name === 'n8n-nodes-liveperson' ? 'n8n-nodes-liveperson (this package)' : name;
	}
	return 'other';
}

function shortWhere(frame: CallFrame): string {
	const url = frame.url;
	const i = url.lastIndexOf('node_modules/');
	const tail = i >= 0 ? url.slice(i + 'node_modules/'.length) : url.replace(/^file:\/\//, '');
	return `${tail}:${frame.lineNumber + 1}`;
}

export type FrameMarker =
	| {
			url: RegExp;
			/** Default: any named function (not the module wrapper). */
			functionName?: RegExp;
	  }
	| {
			/** The window itself, in profile time (CLOCK_MONOTONIC µs). */
			window: { startUs: number; endUs: number };
	  };

export function summarizeProfile(file: string, marker: FrameMarker, inclusiveGroups: Record<string, RegExp> = {}, nodeCode: RegExp = /$^/): ProfileSummary {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
	const byId = new Map<number, ProfileNode>();
	const parent = new Map<number, number>();
	for (const n of profile.nodes) {
		byId.set(n.id, n);
		for (const c of n.children ?? []) parent.set(c, n.id);
	}
	const stackCache = new Map<number, CallFrame[]>();
	const stackOf = (id: number): CallFrame[] => {
		let s = stackCache.get(id);
		if (s) return s;
		s = [];
		for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) s.push((byId.get(cur) as ProfileNode).callFrame);
		stackCache.set(id, s);
		return s;
	};
	// Sample times (µs, profile clock); the delta of sample i+1 is the duration of sample i.
	const times: number[] = [];
	let t = profile.startTime;
	for (const d of profile.timeDeltas) {
		t += d;
		times.push(t);
	}
	let first = -1;
	let last = -1;
	if ('window' in marker) {
		for (let i = 0; i < times.length; i++) {
			if (times[i] < marker.window.startUs || times[i] > marker.window.endUs) continue;
			if (first < 0) first = i;
			last = i;
		}
	} else {
		const fnRe = marker.functionName ?? /./;
		const urlRe = marker.url;
		const marked = (id: number) => stackOf(id).some((f) => urlRe.test(f.url) && fnRe.test(f.functionName));
		for (let i = 0; i < profile.samples.length; i++) {
			if (marked(profile.samples[i])) {
				if (first < 0) first = i;
				last = i;
			}
		}
	}
	const self = new Map<string, { frame: CallFrame; us: number }>();
	const cats = new Map<string, number>();
	const inclusive: Record<string, number> = Object.fromEntries(Object.keys(inclusiveGroups).map((k) => [k, 0]));
	const rules = partitionRules(nodeCode);
	const buckets = new Map<string, number>(rules.map((r) => [r.bucket, 0]));
	let sampled = 0;
	if (first >= 0) {
		for (let i = first; i <= last; i++) {
			const dur = i + 1 < times.length ? times[i + 1] - times[i] : 0;
			sampled += dur;
			const node = byId.get(profile.samples[i]) as ProfileNode;
			const f = node.callFrame;
			const key = `${f.functionName}|${f.url}|${f.lineNumber}`;
			const e = self.get(key) ?? { frame: f, us: 0 };
			e.us += dur;
			self.set(key, e);
			const c = categoryOf(f);
			cats.set(c, (cats.get(c) ?? 0) + dur);
			const stack = stackOf(node.id);
			const rule = rules.find((r) => r.test(f, stack)) as (typeof rules)[number];
			buckets.set(rule.bucket, (buckets.get(rule.bucket) ?? 0) + dur);
			for (const [name, re] of Object.entries(inclusiveGroups)) {
				if (stack.some((fr) => re.test(fr.url) || re.test(fr.functionName))) inclusive[name] += dur;
			}
		}
	}
	const windowUs = first >= 0 ? times[last] - times[first] : 0;
	const pct = (us: number) => (windowUs ? Math.round((us / windowUs) * 1000) / 10 : 0);
	const ms = (us: number) => Math.round(us / 100) / 10;
	return {
		file,
		windowMs: ms(windowUs),
		sampledMs: ms(sampled),
		byCategory: [...cats.entries()].sort((a, b) => b[1] - a[1]).map(([category, us]) => ({ category, ms: ms(us), pct: pct(us) })),
		topFunctions: [...self.values()]
			.sort((a, b) => b.us - a.us)
			.slice(0, 25)
			.map((e) => ({ fn: e.frame.functionName || '(anonymous)', where: e.frame.url ? shortWhere(e.frame) : '', ms: ms(e.us), pct: pct(e.us) })),
		inclusive: Object.fromEntries(Object.entries(inclusive).map(([k, us]) => [k, ms(us)])),
		partition: [...buckets.entries()].map(([bucket, us]) => ({ bucket, ms: ms(us), pct: pct(us) })),
	};
}
