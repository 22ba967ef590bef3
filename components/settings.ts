/**
 * Settings of a component used on its own: the stack config's schema for that section
 * gives the defaults and the checks, so a component's settings and the platform's config
 * never disagree on either.
 */
import type { z } from "zod";
import { formatPath } from "../stacks/contract/load";

/** Parses `input` with `schema`; throws one error listing every invalid field. */
export function settingsOrThrow<S extends z.ZodType>(what: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  ${formatPath(i.path) || "(root)"}: ${i.message}`);
  throw new Error([`${what} are invalid (${problems.length}):`, ...problems].join("\n"));
}
