// Buffers shared with the board. The board writes a batch into one of them (as an ISR or a
// DMA engine would) and then makes one call; sizes are part of the ABI (docs/board-abi.md).

export const BOARD_DESCRIPTOR_BYTES: u32 = 512;
export const boardDescriptorBuffer: usize = memory.data(<i32>BOARD_DESCRIPTOR_BYTES, 8);

/** Pulse edge events: 16 bytes each (u64 time µs, u8 input, u8 level, u8 flags, 5 reserved). */
export const PULSE_EVENT_BYTES: u32 = 16;
export const PULSE_EVENT_CAPACITY: u32 = 256;
export const pulseEventBuffer: usize = memory.data(<i32>(PULSE_EVENT_BYTES * PULSE_EVENT_CAPACITY), 8);

/** ADC samples: u16 codes interleaved per frame [voltage, ct1, ct2, ...]. */
export const ADC_SAMPLE_CAPACITY: u32 = 6144;
export const adcSampleBuffer: usize = memory.data(<i32>(ADC_SAMPLE_CAPACITY * 2), 8);

/** Temperature readings: 12 bytes each (u8 circuit, 3 reserved, i32 supply m°C, i32 return m°C). */
export const TEMPERATURE_RECORD_BYTES: u32 = 12;
export const TEMPERATURE_CAPACITY: u32 = 8;
export const temperatureBuffer: usize = memory.data(<i32>(TEMPERATURE_RECORD_BYTES * TEMPERATURE_CAPACITY), 8);

/** Console input bytes from the UART. */
export const CONSOLE_INPUT_CAPACITY: u32 = 256;
export const consoleInputBuffer: usize = memory.data(<i32>CONSOLE_INPUT_CAPACITY, 8);

/** Firmware-to-board scratch text (register names). */
export const SCRATCH_CAPACITY: u32 = 64;
export const scratchBuffer: usize = memory.data(<i32>SCRATCH_CAPACITY, 8);
