#!/usr/bin/env node
// The `labgrade` command (package.json "bin"): runs the TypeScript client through tsx.
import { register } from "tsx/esm/api";

register();
await import("./labgrade.ts");
