#!/usr/bin/env node
// The command line runs from TypeScript sources: register tsx's loader, then start it.
require('tsx/cjs');
require('../cli/main.ts').runCli(process.argv.slice(2));
