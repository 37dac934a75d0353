#!/usr/bin/env node
// The operator CLI's entry (package.json "bin"): runs cli/main.ts through tsx, as npm scripts do.
'use strict';
require('tsx/cjs/api').register();
const { main } = require('./main.ts');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
