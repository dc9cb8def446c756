// Turbopack loader for our own TypeScript files: turns relative imports that
// end in ".js" ("./config.js", the ESM spelling lib/ uses so tsx and Node run
// it as is) into extensionless ones, which Turbopack resolves to the .ts file.
// Turbopack in Next 16 has no equivalent of webpack's resolve.extensionAlias
// (vercel/next.js issue 82945); drop this loader once it does.
// Registered in next.config.ts for *.ts/*.tsx outside node_modules.
/* global module */
"use strict";

const RELATIVE_JS_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"'\n]*?)\.js\2/g;

module.exports = function relativeJsImportsLoader(source) {
  return source.replace(RELATIVE_JS_SPECIFIER, "$1$2$3$2");
};
