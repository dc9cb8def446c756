// Lint: eslint's and typescript-eslint's recommended rules on all our code;
// type-aware rules (a promise nobody awaits or marks `void` is an error); and
// the boundaries of the architecture (README): app/ and lib/ never import
// runner/ or sandbox/ (the web must not reach Docker; the domain is shared by
// web and runner, so it depends on neither).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const boundary = (message) => ({
  patterns: [
    { group: ["**/runner/*", "**/runner", "@/runner/*"], message },
    { group: ["**/sandbox/*", "**/sandbox", "@/sandbox/*"], message },
  ],
});

export default tseslint.config(
  { ignores: ["node_modules/", "infra/prisma-diff/node_modules/", ".next/", "var/", "build/", "lib/generated/", "next-env.d.ts", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly", fetch: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", AbortSignal: "readonly", AbortController: "readonly", crypto: "readonly", TextEncoder: "readonly", TextDecoder: "readonly", window: "readonly", document: "readonly", NodeJS: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    files: ["app/**", "lib/**"],
    rules: { "no-restricted-imports": ["error", boundary("app/ and lib/ may not import runner/ or sandbox/ (README, architecture): move the shared part into lib/")] },
  },
);
