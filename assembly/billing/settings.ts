// Billing settings (all protected: they decide what a bill says): billing day and hour, the
// local time rule, how many top hours the peak-demand mean takes. Keys 12..15 of the
// configuration store (assembly/store/settings-table.ts hands them here).
import { tzDefault, tzRule, tzSetRule, tzValid } from "../clock/tz";

export const KEY_BILLING_DAY: u16 = 12;
export const KEY_BILLING_HOUR: u16 = 13;
export const KEY_BILLING_TZ: u16 = 14;
export const KEY_PEAK_HOURS: u16 = 15;
export const PEAK_HOURS_MAX: i32 = 5;

export let billingDay: i32 = 1;
export let billingHour: i32 = 0;
export let peakHours: i32 = 3;

export function billingSettingsInit(): void {
  billingDay = 1;
  billingHour = 0;
  peakHours = 3;
  tzSetRule(tzDefault());
}

export function isBillingKey(key: u16): bool { return key >= KEY_BILLING_DAY && key <= KEY_PEAK_HOURS; }

export function billingSettingValue(key: u16): i64 {
  if (key == KEY_BILLING_DAY) return billingDay;
  if (key == KEY_BILLING_HOUR) return billingHour;
  if (key == KEY_BILLING_TZ) return tzRule;
  return peakHours;
}

export function billingSettingValid(key: u16, v: i64): bool {
  if (key == KEY_BILLING_DAY) return v >= 1 && v <= 28;
  if (key == KEY_BILLING_HOUR) return v >= 0 && v <= 23;
  if (key == KEY_BILLING_TZ) return tzValid(v);
  return v >= 1 && v <= PEAK_HOURS_MAX;
}

export function billingSettingApply(key: u16, v: i64): void {
  if (key == KEY_BILLING_DAY) billingDay = <i32>v;
  else if (key == KEY_BILLING_HOUR) billingHour = <i32>v;
  else if (key == KEY_BILLING_TZ) tzSetRule(v);
  else peakHours = <i32>v;
}
