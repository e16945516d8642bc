#!/usr/bin/env node
'use strict';
require('../dist/cli.js')
  .main(process.argv)
  .then((serving) => {
    // A finished command leaves at once when its event loop is idle, and within a second otherwise.
    if (!serving) setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  });
