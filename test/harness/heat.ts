// Host-test harness: the heat calculator's functions, exported for test/host/heat-coefficient.test.ts.
export {
  temperatureValid, pressureValid, heatInputsValid,
  heatCoefficientMicro, heatEnergyNanoJ, heatEnergyMicroWh,
} from "../../assembly/heat/coefficient";
export { HEAT_TABLE_BYTES } from "../../assembly/heat/if97-tables";
