// Where the package's own files are, wherever it is installed or run from.
import { fileURLToPath } from "node:url";
import path from "node:path";

/** The package root: host code runs from build/ts/host/, four levels below it. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const boardsDir = path.join(packageRoot, "boards");
export const firmwarePath = path.join(packageRoot, "build", "firmware.wasm");
