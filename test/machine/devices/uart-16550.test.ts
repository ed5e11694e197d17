import { describe, expect, it } from 'vitest';
import { Uart16550, UartReg } from '../../../src/machine/devices/uart-16550.js';

const IER_ERBFI = 0x01;
const IER_ETBEI = 0x02;
const IER_ELSI = 0x04;

function setup() {
  const irqs: [number, boolean][] = [];
  const uart = new Uart16550({ setIrq: (source, level) => irqs.push([source, level]) }, 10);
  const level = () => (irqs.length === 0 ? false : irqs[irqs.length - 1]![1]);
  return { uart, irqs, level };
}

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('Uart16550', () => {
  it('has the QEMU reset values', () => {
    const { uart } = setup();
    expect(uart.read(UartReg.IIR, 1)).toBe(0x01);
    expect(uart.read(UartReg.LSR, 1)).toBe(0x60);
    expect(uart.read(UartReg.MSR, 1)).toBe(0xb0);
    expect(uart.read(UartReg.MCR, 1)).toBe(0x08);
    expect(uart.read(UartReg.IER, 1)).toBe(0);
    expect(uart.read(UartReg.LCR, 1)).toBe(0);
  });

  it('buffers transmitted bytes until takeOutput drains them', () => {
    const { uart } = setup();
    for (const c of 'hi\n') uart.write(UartReg.THR, 1, c.charCodeAt(0));
    uart.write(UartReg.THR, 4, 0x1234_5641); // only the low byte is transmitted
    expect(Array.from(uart.takeOutput())).toEqual([0x68, 0x69, 0x0a, 0x41]);
    expect(uart.takeOutput().length).toBe(0);
    expect(uart.read(UartReg.LSR, 1) & 0x60).toBe(0x60);
  });

  it('maps offsets 0 and 1 to the divisor latch while DLAB is set', () => {
    const { uart } = setup();
    uart.write(UartReg.LCR, 1, 0x83);
    expect(uart.read(UartReg.DLL, 1)).toBe(0x0c); // QEMU's reset divisor: 9600 baud
    expect(uart.read(UartReg.DLM, 1)).toBe(0x00);
    uart.write(UartReg.DLL, 1, 0x01);
    uart.write(UartReg.DLM, 1, 0x02);
    expect(uart.read(UartReg.DLL, 1)).toBe(0x01);
    expect(uart.read(UartReg.DLM, 1)).toBe(0x02);
    expect(uart.takeOutput().length).toBe(0);
    uart.write(UartReg.LCR, 1, 0x03);
    expect(uart.read(UartReg.IER, 1)).toBe(0);
    expect(uart.read(UartReg.LCR, 1)).toBe(0x03);
  });

  it('keeps SCR and ignores offsets past the register file', () => {
    const { uart } = setup();
    uart.write(UartReg.SCR, 1, 0xa5);
    expect(uart.read(UartReg.SCR, 1)).toBe(0xa5);
    uart.write(8, 1, 0x41);
    expect(uart.read(8, 1)).toBe(0);
    expect(uart.takeOutput().length).toBe(0);
  });

  describe('receive backpressure', () => {
    it('takes one byte without FIFOs and refuses more until RBR is read', () => {
      const { uart } = setup();
      expect(uart.rxRoom()).toBe(1);
      expect(uart.deliver(bytes(1, 2, 3))).toBe(1);
      expect(uart.rxRoom()).toBe(0);
      expect(uart.deliver(bytes(2, 3))).toBe(0);
      expect(uart.read(UartReg.LSR, 1) & 0x01).toBe(0x01);
      expect(uart.read(UartReg.RBR, 1)).toBe(1);
      expect(uart.read(UartReg.LSR, 1) & 0x03).toBe(0); // no data, no overrun
      expect(uart.deliver(bytes(2, 3))).toBe(1);
      expect(uart.read(UartReg.RBR, 1)).toBe(2);
    });

    it('takes sixteen bytes with FIFOs and makes room as RBR is read', () => {
      const { uart } = setup();
      uart.write(UartReg.FCR, 1, 0x07);
      const input = Uint8Array.from({ length: 20 }, (_, i) => 0x30 + i);
      expect(uart.deliver(input)).toBe(16);
      expect(uart.rxRoom()).toBe(0);
      expect(uart.deliver(input.subarray(16))).toBe(0);
      expect(uart.read(UartReg.RBR, 1)).toBe(0x30);
      expect(uart.read(UartReg.RBR, 1)).toBe(0x31);
      expect(uart.rxRoom()).toBe(2);
      expect(uart.deliver(input.subarray(16))).toBe(2);
      const got: number[] = [];
      while (uart.read(UartReg.LSR, 1) & 0x01) got.push(uart.read(UartReg.RBR, 1));
      expect(got).toEqual(Array.from({ length: 16 }, (_, i) => 0x32 + i));
      expect(uart.read(UartReg.LSR, 1) & 0x02).toBe(0);
      expect(uart.rxRoom()).toBe(16);
    });

    it('drops unread bytes when FCR toggles FIFO enable, as QEMU does', () => {
      const { uart } = setup();
      uart.write(UartReg.FCR, 1, 0x01);
      uart.deliver(bytes(1, 2, 3));
      uart.write(UartReg.FCR, 1, 0x01); // same enable bit, no clear bit: kept
      expect(uart.rxRoom()).toBe(13);
      uart.write(UartReg.FCR, 1, 0x00); // enable changed: both FIFOs flushed
      expect(uart.read(UartReg.LSR, 1) & 0x01).toBe(0);
      expect(uart.rxRoom()).toBe(1);
    });

    it('clears the receive FIFO on FCR bit 1 only', () => {
      const { uart } = setup();
      uart.write(UartReg.FCR, 1, 0x01);
      uart.deliver(bytes(1, 2, 3));
      uart.write(UartReg.FCR, 1, 0x05); // clear TX only
      expect(uart.rxRoom()).toBe(13);
      uart.write(UartReg.FCR, 1, 0x03);
      expect(uart.rxRoom()).toBe(16);
      expect(uart.read(UartReg.LSR, 1) & 0x01).toBe(0);
    });
  });

  describe('interrupts', () => {
    it('reports FIFO state in IIR bits 7:6', () => {
      const { uart } = setup();
      uart.write(UartReg.FCR, 1, 0x01);
      expect(uart.read(UartReg.IIR, 1)).toBe(0xc1);
      uart.write(UartReg.FCR, 1, 0x00);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x01);
    });

    it('raises RDA while data is available and ERBFI is set', () => {
      const { uart, irqs, level } = setup();
      uart.deliver(bytes(0x41));
      expect(irqs).toEqual([]); // not enabled
      uart.write(UartReg.IER, 1, IER_ERBFI);
      expect(irqs).toEqual([[10, true]]);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x04);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x04); // reading IIR does not clear RDA
      expect(uart.read(UartReg.RBR, 1)).toBe(0x41);
      expect(level()).toBe(false);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x01);
    });

    it('keeps RDA raised with FIFOs until the FIFO is empty', () => {
      const { uart, level } = setup();
      uart.write(UartReg.FCR, 1, 0xc1); // trigger level 14: still reported at once
      uart.write(UartReg.IER, 1, IER_ERBFI);
      uart.deliver(bytes(1, 2));
      expect(level()).toBe(true);
      expect(uart.read(UartReg.IIR, 1)).toBe(0xc4);
      uart.read(UartReg.RBR, 1);
      expect(level()).toBe(true);
      uart.read(UartReg.RBR, 1);
      expect(level()).toBe(false);
      expect(uart.read(UartReg.IIR, 1)).toBe(0xc1);
    });

    it('raises THRE when ETBEI is enabled, clears it by reading IIR, re-raises it on a THR write', () => {
      const { uart, irqs, level } = setup();
      uart.write(UartReg.IER, 1, IER_ETBEI);
      expect(irqs).toEqual([[10, true]]);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x02);
      expect(level()).toBe(false);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x01);
      uart.write(UartReg.THR, 1, 0x41);
      expect(level()).toBe(true);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x02);
      expect(irqs).toEqual([[10, true], [10, false], [10, true], [10, false]]);
    });

    it('re-arms THRE when ETBEI goes from 0 to 1 even after IIR was read', () => {
      const { uart, level } = setup();
      uart.write(UartReg.IER, 1, IER_ETBEI);
      uart.read(UartReg.IIR, 1);
      uart.write(UartReg.IER, 1, IER_ETBEI); // unchanged: stays cleared
      expect(level()).toBe(false);
      uart.write(UartReg.IER, 1, 0);
      uart.write(UartReg.IER, 1, IER_ETBEI);
      expect(level()).toBe(true);
    });

    it('gives RDA priority over THRE', () => {
      const { uart } = setup();
      uart.write(UartReg.IER, 1, IER_ERBFI | IER_ETBEI);
      uart.deliver(bytes(7));
      expect(uart.read(UartReg.IIR, 1)).toBe(0x04);
      uart.read(UartReg.RBR, 1);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x02);
    });

    it('loops THR back to RBR in loopback mode, with overrun as a line-status interrupt', () => {
      const { uart, level } = setup();
      uart.write(UartReg.MCR, 1, 0x10 | 0x0b);
      expect(uart.read(UartReg.MSR, 1)).toBe(0xb0 | 0x10 | 0x20 | 0x80);
      uart.write(UartReg.IER, 1, IER_ELSI);
      uart.write(UartReg.THR, 1, 0x55);
      expect(uart.takeOutput().length).toBe(0);
      expect(level()).toBe(false);
      uart.write(UartReg.THR, 1, 0x66); // RBR still full: overrun
      expect(level()).toBe(true);
      expect(uart.read(UartReg.IIR, 1)).toBe(0x06);
      expect(uart.read(UartReg.LSR, 1) & 0x03).toBe(0x03);
      expect(level()).toBe(false); // reading LSR clears OE
      expect(uart.read(UartReg.RBR, 1)).toBe(0x66);
    });
  });
});
