// ESLint flat config: typescript-eslint's recommended rules on all TypeScript sources, and
// the layering of the architecture (DESIGN.md section 7): the config contract imports only
// lib/; lib/ imports nothing of the project; components import the contract, never the
// plan tool or the platform wiring.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const planOrWiring = {
  group: [
    "**/stacks/plan/*",
    "**/stacks/plan",
    "**/stacks/platform",
    "**/stacks/program",
    "**/stacks/wiring",
    "**/stacks/wiring/*",
  ],
  message: "components and the contract never import the plan tool or the platform wiring",
};

/**
 * components/index.ts is the public API for other programs; a component importing it
 * would tie every component to every other. `relative` is how the file's folder depth
 * spells the components folder ("." from components/, ".." one level down, ...).
 */
const barrelMessage =
  "components import each other's folders, never components/index.ts (the public API for other programs)";
const notTheBarrel = (relative) => [
  { group: ["**/components", "**/components/index"], message: barrelMessage },
  { regex: `^${relative.replaceAll(".", "\\.")}(/index)?$`, message: barrelMessage },
];

export default tseslint.config(
  { ignores: ["node_modules/", "scratch/", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["stacks/contract/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            planOrWiring,
            {
              group: ["**/components/*", "**/components/**", "@pulumi/*"],
              message: "the config contract is the bottom layer: it imports only lib/ (and zod, yaml)",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["lib/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/stacks/*", "**/stacks/**", "**/components/*", "**/components/**", "@pulumi/*"],
              message: "lib/ holds pure helpers: it imports nothing of the project",
            },
          ],
        },
      ],
    },
  },
  ...[
    ["components/*.ts", "."],
    ["components/*/*.ts", ".."],
    ["components/*/*/*.ts", "../.."],
    ["components/*/*/*/**/*.ts", "../../.."],
  ].map(([files, relative]) => ({
    files: [files],
    rules: { "no-restricted-imports": ["error", { patterns: [planOrWiring, ...notTheBarrel(relative)] }] },
  })),
);
