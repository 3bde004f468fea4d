const path = require('path');
const { task, src, dest } = require('gulp');

task('build:icons', copyIcons);

// Copies node and credential icons (svg/png) and node codex files next to the compiled files, as n8n loads them
// relative to the .node.js / .credentials.js file.
function copyIcons() {
	const nodeSource = path.resolve('nodes', '**', '*.{png,svg}');
	const nodeDestination = path.resolve('dist', 'nodes');
	src(nodeSource, { encoding: false }).pipe(dest(nodeDestination));
	// Codex files (<Name>.node.json: categories, documentation links) are read by n8n from beside
	// the .node.js file; without them the node has no category in the node panel.
	src(path.resolve('nodes', '**', '*.node.json')).pipe(dest(nodeDestination));

	const credSource = path.resolve('credentials', '**', '*.{png,svg}');
	const credDestination = path.resolve('dist', 'credentials');
	return src(credSource, { encoding: false }).pipe(dest(credDestination));
}
