/**
 * Doubles of @pulumi/random: values derived from a hash of the resource's URN and inputs,
 * so the same config yields the same "random" values on every run (as the provider's
 * state would) while different resources get different values.
 */
import { createHash } from "node:crypto";
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

registerDouble("random:index/randomPassword:RandomPassword", password);
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
