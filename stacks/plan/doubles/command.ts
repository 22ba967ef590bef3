/**
 * Doubles of @pulumi/command: a remote command "ran" with empty output. The plan never
 * touches a host; what a command would do is reviewed through its inputs.
 */
import { registerDouble } from "../mocks";

const ran = () => ({ stdout: "", stderr: "" });

registerDouble("command:remote:Command", ran);
registerDouble("command:local:Command", ran);
registerDouble("command:remote:CopyToRemote", () => ({}));
