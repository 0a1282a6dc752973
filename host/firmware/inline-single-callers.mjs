// AssemblyScript transform (build-firmware.ts, before merge-data-segments): one more optimisation
// round with binaryen's one-caller inlining unbounded. asc caps it at 80 (shrinkLevel 2), so ~60
// functions called from a single place kept their own body, type and call: inlining them saves
// ~0.5 KB of the release module and changes nothing it computes. The CT metering functions
// (assembly/ct/) are left as asc shaped them: inlined into fw_adc_block they cost the RV32 build
// instructions per sample (boards/native/bench-native.mjs), which is the figure that must not rise.
// Likewise the outputs' once-a-second work: inlined into fw_tick, its registers made every idle
// tick save and restore more (209 RV32 instructions against the 200 allowed).
// Plain JavaScript: asc loads it before the TypeScript of host/ is compiled.
import { Transform } from "assemblyscript/transform";

/** Functions (binaryen wildcards on internal names) this round must not inline. */
export const KEEP_AS_IS = ["assembly/ct/*", "assembly/outputs/drive/outputsEverySecond"];

export default class InlineSingleCallers extends Transform {
  afterCompile(module) {
    const emit = module.emitBinary.bind(module);
    let done = false;
    // asc has optimised by the time it writes the .wasm (its one emitBinary call).
    module.emitBinary = (...args) => {
      if (!done) {
        done = true;
        const binaryen = this.binaryen;
        const oneCaller = binaryen.getOneCallerInlineMaxSize();
        binaryen.setOneCallerInlineMaxSize(-1);
        // The pass takes one pattern; the marks it sets on the functions stay for the optimisation.
        for (const pattern of KEEP_AS_IS) {
          binaryen.setPassArgument("no-inline", pattern);
          module.runPasses(["no-inline"]);
        }
        binaryen.setOptimizeLevel(2);
        binaryen.setShrinkLevel(2);
        module.optimize();
        binaryen.clearPassArguments();
        binaryen.setOneCallerInlineMaxSize(oneCaller);
        if (!module.validate()) throw new Error("inline-single-callers: the module does not validate");
      }
      return emit(...args);
    };
  }
}
