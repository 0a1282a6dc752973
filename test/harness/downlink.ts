// Host-test harness: the whole firmware (every ABI export) plus read-outs of the state the
// downlink hands over (the outputs' rules, the clock), for test/host/downlink.test.ts.
export * from "../../assembly/index";
export { outputsDrLevel, outputsDrUntilS, outputMode, outputModeUntilS } from "../../assembly/outputs/rules";
export { clockUtcS as clockUtcAt } from "../../assembly/clock/clock";
