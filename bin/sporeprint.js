#!/usr/bin/env node
// Entry point of the installed CLI: runs the compiled composition root (built by `npm run build`).
import '../dist/main/cli.js';
