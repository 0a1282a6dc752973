// Host-test harness: the output rule engine, exported for test/host/output-rules.test.ts.
export {
  outputsReset, outputConfigure, outputsClampSecond, outputsSecond, outputOverride, outputsDemandResponse,
  outputsMask, outputSwitches, outputOnTotalS, outputOnTodayS, outputDivertedMicroWh, outputsDrLevel,
} from "../../assembly/outputs/rules";
