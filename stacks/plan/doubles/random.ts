/**
 * Doubles of @pulumi/random: values derived from a hash of the resource's URN and inputs,
 * so the same config yields the same "random" values on every run (as the provider's
 * state would) while different resources get different values.
 */
import { createHash } from "node:crypto";
import { hashSync } from "bcryptjs";
import { registerDouble, seedOf, type DoubleArgs } from "../mocks";

function bytes(args: DoubleArgs, count: number): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < count; i++) {
    chunks.push(
      createHash("sha256")
        .update(`${seedOf(args)}:${i}`)
        .digest(),
    );
  }
  return Buffer.concat(chunks).subarray(0, count);
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function password(args: DoubleArgs): { result: string } {
  const length = Number(args.inputs.length ?? 16);
  const alphabet =
    ALPHANUMERIC + (args.inputs.special === false ? "" : String(args.inputs.overrideSpecial ?? "!#$%&*()-_=+[]{}<>:?"));
  return { result: [...bytes(args, length)].map((b) => alphabet[b % alphabet.length]).join("") };
}

/** bcrypt's own base64 alphabet (salts are 22 characters of it). */
const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// The provider's `bcryptHash` output: a real bcrypt hash of the result (cost 4, not the provider's 10: the
// doubles run for every plan and test, and the hash is checked, not brute-forced), its salt
// derived from the resource like every other "random" value, so the hash verifies.
registerDouble("random:index/randomPassword:RandomPassword", (args) => {
  const { result } = password(args);
  const salt = [...bytes({ ...args, name: `${args.name}/salt` }, 22)].map((b) => BCRYPT_ALPHABET[b % 64]).join("");
  return { result, bcryptHash: hashSync(result, `$2a$04$${salt}`) };
});
registerDouble("random:index/randomString:RandomString", password);
registerDouble("random:index/randomBytes:RandomBytes", (args) => {
  const raw = bytes(args, Number(args.inputs.length ?? 32));
  return { base64: raw.toString("base64"), hex: raw.toString("hex") };
});
registerDouble("random:index/randomId:RandomId", (args) => {
  const raw = bytes(args, Number(args.inputs.byteLength ?? 8));
  return {
    hex: raw.toString("hex"),
    b64Std: raw.toString("base64"),
    b64Url: raw.toString("base64url"),
    dec: BigInt(`0x${raw.toString("hex")}`).toString(),
  };
});
