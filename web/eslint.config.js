// The studio's lint (`npm run lint`, part of `make lint`): typescript-eslint's recommended rules,
// the rules of hooks, no import cycles, and the studio's two layout rules: a feature is imported
// only through its entry (its index.ts), and a component never writes to the API itself (each write
// is a mutation hook of its feature, which says what the write changed in the cache).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

// Shared layers any feature may import file by file; every other folder of src/ is a feature. With
// no-cycle the features stand in layers, each using only those below it: library < manifest <
// continuity, forks, repair < projects < checkpoints (faces stands alone).
const SHARED = ["api", "ui", "auth"];

export default defineConfig(
  { ignores: ["dist/", "node_modules/", "src/api/schema.d.ts"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks, "import-x": importX },
    settings: {
      // Without these, import-x reads no TypeScript module's imports, and no-cycle sees no cycle.
      "import-x/extensions": [".ts", ".tsx", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".js", ".d.ts"] })],
    },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    // Inside a feature relative imports are free; another feature only through its entry.
    files: ["src/*/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../*/*", ...SHARED.map((layer) => `!../${layer}/*`)],
              message: "Import another feature through its entry (../feature), not its files.",
            },
          ],
        },
      ],
    },
  },
  {
    // The app's root (App, main) also reaches a feature through its entry.
    files: ["src/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["./*/*", ...SHARED.map((layer) => `!./${layer}/*`)],
              message: "Import a feature through its entry (./feature), not its files.",
            },
          ],
        },
      ],
    },
  },
  {
    // Components read and call hooks; the writes themselves live in each feature's queries.ts. And a
    // component file stays one a reader can hold: a component per concern.
    files: ["src/**/*.tsx"],
    ignores: ["src/**/*.test.tsx", "src/**/*.fixture.tsx"],
    rules: {
      "max-lines": ["error", { max: 150, skipBlankLines: true, skipComments: true }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[object.name='api'][property.name=/^(POST|PUT|PATCH|DELETE)$/]",
          message: "A write belongs in a mutation hook of the feature's queries.ts (useXxxMutation), not in a component.",
        },
      ],
    },
  },
);
