// Harness for test/host/cmac.test.ts and host/bench/cmac-bench.ts: thin wrappers around
// assembly/crypto/{aes128,cmac}.ts plus one I/O buffer the host writes keys/messages into.
// The abort handler named by --use abort=... must be in the program even without asconfig.json's entries.
import "../../assembly/abi/panic";
import {
  AES_SBOX, aesEncryptBlock, aesExpandKey, aesSelectKeySlot, aesClearKeySlot,
} from "../../assembly/crypto/aes128";
import {
  cmacCompute, cmacCompute8, cmacForgetKey, cmacHasKey, cmacLoadKey, cmacVerify8,
} from "../../assembly/crypto/cmac";

const IO_BUFFER_BYTES: u32 = 1024;
const ioBuffer = memory.data(IO_BUFFER_BYTES, 16);

export function ioBufferPtr(): usize { return ioBuffer; }
export function ioBufferBytes(): u32 { return IO_BUFFER_BYTES; }
/** The S-box is public; exported so the test can compare it with a computed one. */
export function sboxPtr(): usize { return AES_SBOX; }

export function selectKeySlot(slot: u32): void { aesSelectKeySlot(slot); }
export function expandKey(keyPtr: usize): void { aesExpandKey(keyPtr); }
export function clearKeySlot(): void { aesClearKeySlot(); }
export function loadKey(keyPtr: usize): void { cmacLoadKey(keyPtr); }
export function forgetKey(): void { cmacForgetKey(); }
export function hasKey(): bool { return cmacHasKey(); }
export function encryptBlock(inPtr: usize, outPtr: usize): void { aesEncryptBlock(inPtr, outPtr); }
export function compute(msgPtr: usize, len: u32, outPtr: usize): void { cmacCompute(msgPtr, len, outPtr); }
export function compute8(msgPtr: usize, len: u32, outPtr: usize): void { cmacCompute8(msgPtr, len, outPtr); }
export function verify8(msgPtr: usize, len: u32, tagPtr: usize): bool { return cmacVerify8(msgPtr, len, tagPtr); }

/** Benchmark loop inside wasm, so the JS-to-wasm call does not dominate the measurement. */
export function computeRepeated(msgPtr: usize, len: u32, outPtr: usize, iterations: u32): void {
  for (let i: u32 = 0; i < iterations; i++) cmacCompute(msgPtr, len, outPtr);
}
export function encryptRepeated(inPtr: usize, outPtr: usize, iterations: u32): void {
  for (let i: u32 = 0; i < iterations; i++) aesEncryptBlock(inPtr, outPtr);
}
