// Harness for host tests of the CT metering core: the core's API plus a static sample
// buffer that the test fills with twin blocks before each ctProcessBlock call.
export * from "../../assembly/ct/index";

/** Capacity of the sample buffer in u16 samples (frames × (1 + CT channels)). */
export const CT_HARNESS_SAMPLES: i32 = 4096;
const sampleBuffer = memory.data(CT_HARNESS_SAMPLES * 2, 8);

export function ctHarnessBuffer(): usize { return sampleBuffer; }
export function ctHarnessCapacity(): i32 { return CT_HARNESS_SAMPLES; }
