// Host-test harness: the whole firmware (every ABI export) plus read-outs of what the downlink
// hands over, the outputs' control state and the clock, for test/host/downlink.test.ts.
export * from "../../assembly/index";
export { outputsDemandAt, outputsDemandUntilUs, outputsOverrideAt, outputsOverrideUntilUs } from "../../assembly/outputs/control";
export { clockUtcAt } from "../../assembly/clock/set";
